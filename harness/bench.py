"""Benchmarks, measured in instructions rather than seconds.

The bench guest times its own loops with its counter. Under QEMU with
-icount shift=0 every instruction advances virtual time by exactly one
nanosecond, so ticks convert to instructions as ticks * 1e9 / frequency;
under Bochs the TSC advances once per instruction. Either way the numbers
are the same on any host however loaded. Only `build_clean` is wall-clock
time, and it is reported as such."""
import json
import re
import shutil
import time
from pathlib import Path

from . import BUILD, HarnessError, TargetUnavailable, console
from .build import Build
from .lab import boot, check_requirements
from .scenario import load_scenarios, runnable
from .plots import slide
from .progress import say, step
from .target import load_target, target_names

BENCH_DIR = BUILD / "bench"
BENCH_LINE = re.compile(r"BENCH: (?P<name>\w+) ticks=(?P<ticks>\d+) "
                        r"iterations=(?P<iterations>\d+) freq=(?P<freq>\d+)")
NS_PER_SECOND = 1e9


def parse_bench_lines(lines: list[str]) -> dict[str, dict]:
    found = {}
    for line in lines:
        m = BENCH_LINE.search(line)
        if m:
            found[m["name"]] = {k: int(m[k]) for k in ("ticks", "iterations", "freq")}
    return found


def instructions(ticks: float, freq: int, clock: str) -> float:
    """Counter ticks to instructions. "icount": QEMU -icount shift=0, one
    instruction per virtual nanosecond; "instructions": the counter counts
    instructions itself (Bochs' TSC); "tsc": real hardware, where ticks stay
    ticks (see UNITS)."""
    return ticks * NS_PER_SECOND / freq if clock == "icount" else float(ticks)


UNITS = {"icount": "instructions", "instructions": "instructions", "tsc": "TSC ticks"}


def guest_metrics(raw: dict[str, dict], clock: str = "icount") -> dict[str, dict]:
    """Per-iteration costs, minus the cost of the loop itself."""
    need = {"boot_to_guest", "hypercall_roundtrip", "mmio_roundtrip", "empty_loop"}
    if not need <= raw.keys():
        raise HarnessError(f"bench guest did not report {', '.join(sorted(need - raw.keys()))}")
    loop = raw["empty_loop"]
    boot = raw["boot_to_guest"]
    unit = UNITS[clock]
    metrics = {"boot_to_guest": {"value": round(instructions(boot["ticks"], boot["freq"], clock)),
                                 "unit": unit}}
    for name, r in raw.items():
        if name in ("boot_to_guest", "empty_loop"):
            continue
        per_iter = (r["ticks"] - loop["ticks"]) / r["iterations"]
        metrics[name] = {"value": round(instructions(per_iter, r["freq"], clock), 1),
                         "unit": unit}
    return metrics


def clean_build_seconds(target) -> float:
    scratch = BENCH_DIR / f"clean-build-{target.name}"
    shutil.rmtree(scratch, ignore_errors=True)
    start = time.monotonic()
    Build(target, scratch).run(runnable(load_scenarios(target.arch, target.name)), echo=False)
    seconds = time.monotonic() - start
    shutil.rmtree(scratch, ignore_errors=True)
    return seconds


def run_target(name: str) -> dict:
    target = load_target(name)
    check_requirements(target)          # hardware this machine lacks: skipped, with the reason
    bench = load_scenarios(target.arch, name).get("bench")
    if bench is None or bench.skip:
        raise TargetUnavailable(f"target {name} has no bench: "
                                f"{bench.skip if bench else 'no bench scenario for it'}")
    with step(f"bench {name}: exit costs"):
        result = boot(name, "bench", echo=False, quiet_build=True)
    metrics = guest_metrics(parse_bench_lines(result.lines),
                            target.emulator.get("bench_clock", "icount"))
    metrics.update(world_switch_metrics(target))
    metrics.update(vmm_linux_metrics(target))
    with step(f"bench {name}: a clean build"):
        metrics["build_clean"] = {"value": round(clean_build_seconds(target), 2),
                                  "unit": "seconds"}
    save(name, metrics)
    return {"target": name, "metrics": metrics}


def world_switch_metrics(target) -> dict[str, dict]:
    """`world_switch_roundtrip`, where a target has the world-switch-bench
    scenario: instructions from one VM's HC_YIELD to its return, the other
    VM having yielded in between (the raw round trip, no loop subtracted)."""
    bench = load_scenarios(target.arch, target.name).get("world-switch-bench")
    if bench is None or bench.skip:
        return {}
    with step(f"bench {target.name}: the world switch"):
        result = boot(target.name, bench.name, echo=False, quiet_build=True)
    r = parse_bench_lines(result.lines).get("world_switch_roundtrip")
    if r is None:
        raise HarnessError(f"{bench.name} did not report world_switch_roundtrip")
    clock = target.emulator.get("bench_clock", "icount")
    per_iter = instructions(r["ticks"] / r["iterations"], r["freq"], clock)
    return {"world_switch_roundtrip": {"value": round(per_iter, 1), "unit": UNITS[clock]}}


def run_targets(names: list[str] | None = None) -> list[dict]:
    """Each target's bench (default: every target that can run here; the
    others are skipped with the reason); one named target must run."""
    reports = []
    for name in names or target_names():
        try:
            reports.append(run_target(name))
        except TargetUnavailable as e:
            if names:
                raise
            say(f"skipped: {e}")
    return reports


def save(name: str, metrics: dict) -> Path:
    """Add `metrics` to build/bench/NAME.json, keeping the metrics other
    runs wrote there (`--guest linux` adds to the target's exit costs)."""
    path = BENCH_DIR / f"{name}.json"
    report = json.loads(path.read_text()) if path.exists() else {"target": name, "metrics": {}}
    report["metrics"].update(metrics)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


# The goals a target's exit path is held to, in instructions (issue 11: a
# null hypercall in 100 or fewer on arm64; issue 14: no device access
# dearer than before the world switch grew). tests/test_exit_path.py checks.
GOALS = {"arm64": {"hypercall_roundtrip": 100, "mmio_roundtrip": 256}}


def missed_goals(target: str, metrics: dict[str, dict]) -> list[str]:
    """The goals of GOALS[target] the metrics miss, one line each."""
    return [f"{name}: {metrics[name]['value']} {metrics[name]['unit']}, goal {goal} or fewer"
            for name, goal in GOALS.get(target, {}).items()
            if name in metrics and metrics[name]["value"] > goal]


def table(reports: list[dict]) -> str:
    names = sorted({m for r in reports for m in r["metrics"]})
    head = f"{'metric':<22}" + "".join(f"{r['target']:>16}" for r in reports) + "  unit"
    rows = [head, "-" * len(head)]
    for n in names:
        cells, unit = "", ""
        for r in reports:
            m = r["metrics"].get(n)
            value = m and m["value"]
            if isinstance(value, dict):         # exit counts: "mmio 27390 firmware 1 ..."
                value = " ".join(f"{k} {v}" for k, v in value.items() if k != "total")
            cells += f"{value:>16}" if m else f"{'-':>16}"
            unit = unit or (m["unit"] if m else "")
        rows.append(f"{n:<22}{cells}  {unit}")
    for r in reports:
        goals = GOALS.get(r["target"], {})
        if goals:
            missed = missed_goals(r["target"], r["metrics"])
            rows.append(f"{r['target']}: goals ({', '.join(f'{n} <= {g}' for n, g in goals.items())})"
                        f" {'missed: ' + '; '.join(missed) if missed else 'met'}")
    return "\n".join(rows)


# -- the paging lesson: shadow paging against two-level paging ---------------

PAGING_TARGETS = ("vmx", "svm")
PAGING_MODES = ("nested", "shadow")
SWITCHES = re.compile(r"paging_switches_(\d+)")
GUEST_FAULTS = re.compile(r"guest page faults: (\d+)")


def paging_run(target_name: str, mode: str) -> dict:
    """Boot the paging guest in one mode; its cost per number of switches."""
    target = load_target(target_name).with_paging(mode)
    clock = target.emulator.get("bench_clock", "icount")
    with step(f"paging lesson: {target_name}, {mode} paging"):
        result = boot(target.name, "paging", echo=False, quiet_build=True)
    points = sorted((int(SWITCHES.match(name)[1]), round(instructions(r["ticks"], r["freq"], clock)))
                    for name, r in parse_bench_lines(result.lines).items() if SWITCHES.match(name))
    raw = parse_bench_lines(result.lines)
    total = raw.get("paging_total")
    faults = [int(m[1]) for line in result.lines if (m := GUEST_FAULTS.search(line))]
    exits = console.exit_statistics(result.lines).get("tables", {})
    return {"target": target_name, "mode": mode, "unit": UNITS[clock],
            "cost_by_switches": points, "guest_page_faults": faults[0] if faults else None,
            "total": round(instructions(total["ticks"], total["freq"], clock)) if total else None,
            "exits": {k: v for k, v in exits.items() if v}}


VENDORS = {"vmx": "Intel VT-x (vmx)", "svm": "AMD-V (svm)"}
MODE_LABELS = {"nested": "two-level paging (EPT/NPT)", "shadow": "shadow paging"}
MODE_COLOURS = {"nested": "#1f77b4", "shadow": "#d62728"}
BAR_WIDTH = 0.38


def per_switch(run: dict) -> float:
    """The cost of one address-space switch and access: the run's cost at
    its largest number of switches, divided by that number."""
    switches, cost = max(run["cost_by_switches"])
    return cost / switches


def plot_paging(runs: list[dict], path: Path) -> None:
    """One bar per vendor and paging mode, linear scale: the point of the
    lesson (about 10 against about 14,000 instructions per switch) is the
    height of the bars."""
    with slide(path) as (fig, ax):
        targets = [t for t in PAGING_TARGETS if any(r["target"] == t for r in runs)]
        for i, mode in enumerate(PAGING_MODES):
            costs = [per_switch(r) for t in targets for r in runs
                     if r["target"] == t and r["mode"] == mode]
            xs = [x + (i - 0.5) * BAR_WIDTH for x in range(len(targets))]
            bars = ax.bar(xs, costs, BAR_WIDTH, label=MODE_LABELS[mode], color=MODE_COLOURS[mode])
            ax.bar_label(bars, labels=[f"{c:,.0f}" for c in costs], padding=4)
        ax.set_xticks(range(len(targets)), [VENDORS[t] for t in targets])
        ax.set_ylabel(f"{runs[0]['unit']} per switch")
        shadow = sum(per_switch(r) for r in runs if r["mode"] == "shadow")
        nested = sum(per_switch(r) for r in runs if r["mode"] == "nested")
        ax.set_title(f"Per CR3 switch, shadow paging costs {shadow / nested:,.0f}× EPT/NPT")
        ax.yaxis.set_major_formatter("{x:,.0f}")
        ax.set_ylim(0, max(per_switch(r) for r in runs) * 1.3)
        ax.legend(loc="upper center", ncol=2, frameon=False)


def run_paging_lesson() -> list[dict]:
    runs = [paging_run(t, m) for t in PAGING_TARGETS for m in PAGING_MODES]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "paging.json").write_text(json.dumps({"lesson": "paging", "runs": runs},
                                                      indent=2) + "\n")
    plot_paging(runs, BENCH_DIR / "paging")
    return runs


def paging_table(runs: list[dict]) -> str:
    rows = [f"{'target':<8}{'mode':<8}{'whole run':>12}{'400 switches':>14}{'per switch':>12}"
            f"{'guest #PF':>11}  exits"]
    for r in runs:
        switches = dict(r["cost_by_switches"]).get(400, 0)
        exits = ", ".join(f"{k} {v}" for k, v in r["exits"].items() if k != "total")
        rows.append(f"{r['target']:<8}{r['mode']:<8}{r['total']:>12}{switches:>14}"
                    f"{switches / 400:>12.0f}{r['guest_page_faults']:>11}  {exits}")
    return "\n".join(rows) + f"\n(costs in {runs[0]['unit']})"


# -- Linux: booted under the hypervisor against booted directly ---------------

LINUX_BENCH = "linux-boot"     # the scenario: /init powers off at once, so every count repeats
LINUX_BENCH_PAIR = "linux-boot-pair"    # the same, two VMs on one CPU
RUN_INIT = re.compile(r"\[\s*(\d+\.\d+)\] Run /init as init process")
LINUX_BOOT_TIMEOUT = 300


def _run_init_seconds(lines: list[str], where: str) -> float:
    for line in lines:
        m = RUN_INIT.search(line)
        if m:
            return float(m[1])
    raise HarnessError(f"{where}: the kernel never printed 'Run /init as init process'")


def linux_boot_direct(target, append: str | None = None) -> float:
    """The same kernel and initramfs, started by the same QEMU without the
    hypervisor (at EL1: virtualization off), until it runs /init."""
    import pexpect
    from .linux import DEFAULT_BOOTARGS, IMAGE, direct_command, initramfs
    argv = direct_command(target, IMAGE, initramfs(), append or DEFAULT_BOOTARGS)
    child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", codec_errors="replace")
    try:
        child.expect(RUN_INIT, timeout=LINUX_BOOT_TIMEOUT)
        return float(child.match[1])
    except pexpect.ExceptionPexpect:
        raise HarnessError("direct Linux boot: no 'Run /init' line within "
                           f"{LINUX_BOOT_TIMEOUT} s") from None
    finally:
        child.terminate(force=True)


def run_linux(name: str) -> dict:
    """Boot time to /init under the hypervisor over booted directly, both
    under -icount shift=0 (the kernel's timestamps count instructions), and
    the exits the hypervisor took meanwhile. Adds to build/bench/NAME.json."""
    from . import linux
    target = load_target(name)
    if linux.missing():
        raise linux.NotPrepared(linux.missing())
    with step("Linux under the hypervisor, to /init"):
        result = boot(name, LINUX_BENCH, echo=False, quiet_build=True)
    under_hv = _run_init_seconds(result.lines, "Linux under the hypervisor")
    with step("Linux booted directly, to /init"):
        direct = linux_boot_direct(target)
    exits = console.exit_statistics(result.lines).get(linux.GUEST, {})
    metrics = {
        "linux_boot_ratio": {"value": round(under_hv / direct, 3), "unit": "ratio"},
        "linux_boot_hv": {"value": round(under_hv * NS_PER_SECOND), "unit": "instructions"},
        "linux_boot_direct": {"value": round(direct * NS_PER_SECOND), "unit": "instructions"},
        "linux_boot_exits": {"value": {k: v for k, v in exits.items() if v}, "unit": "exits"},
    }
    metrics.update(linux_pair_metrics(name, direct))
    save(name, metrics)
    return {"target": name, "metrics": metrics}


def vmm_linux_metrics(target) -> dict[str, dict]:
    """kvm-arm64: the Python VMM boots Linux (the machine's own kernel) on
    arm64 KVM inside the machine, to /init, against the same kernel booted
    directly by the same QEMU at EL1 with the same command line; both
    timestamps count instructions (-icount shift=0). The VMM's guest clock
    (CNTVCT less KVM's offset) starts when KVM creates the VM."""
    from . import kvm_machine, lab, logs
    from .linux import POWER_OFF_ARG
    if not kvm_machine.is_machine(target) or target.arch != "arm64":
        return {}
    if kvm_machine.missing(target):
        raise TargetUnavailable(kvm_machine.missing(target))
    with step(f"bench {target.name}: Linux through the VMM, to /init"):
        result = kvm_machine.linux_boot(target, lab.build(target, echo=False),
                                        logs.new_log(f"{target.name}-linux-boot"))
    guest_lines = result.lines[result.lines.index(kvm_machine.SHELL_MARKER):]
    under_vmm = _run_init_seconds(guest_lines, "Linux under the VMM")
    cmdline = kvm_machine.machine(target).guest_cmdline.replace(" quiet", "")
    with step(f"bench {target.name}: Linux booted directly, to /init"):
        direct = linux_boot_direct(target, f"{cmdline} {POWER_OFF_ARG}")
    exits = console.exit_statistics(guest_lines).get("linux", {})
    return {
        "linux_boot_ratio": {"value": round(under_vmm / direct, 3), "unit": "ratio"},
        "linux_boot_vmm": {"value": round(under_vmm * NS_PER_SECOND), "unit": "instructions"},
        "linux_boot_direct": {"value": round(direct * NS_PER_SECOND), "unit": "instructions"},
        "linux_boot_exits": {"value": {k: v for k, v in exits.items() if v}, "unit": "exits"},
    }


def init_times(lines: list[str], vms: list[str]) -> list[float]:
    """When each VM's kernel ran /init (its own "[vm] " lines' timestamp)."""
    return [_run_init_seconds([line for line in lines if line.startswith(f"[{vm}] ")],
                              f"Linux VM {vm}") for vm in vms]


def linux_pair_metrics(name: str, direct: float) -> dict[str, dict]:
    """Two Linux VMs booting side by side on one CPU, each with an emulated
    GICv3 and UART: the counter time (instructions since reset) at which
    the later of the two runs /init, over twice the direct boot's. 1.0
    would be two boots back to back on the bare machine."""
    with step("two Linux VMs under the hypervisor, to /init"):
        result = boot(name, LINUX_BENCH_PAIR, echo=False, quiet_build=True)
    vms = list(load_scenarios("arm64", name)[LINUX_BENCH_PAIR].vms)
    times = init_times(result.lines, vms)
    exits = console.exit_statistics(result.lines)
    return {
        "linux_boot_ratio_2vm": {"value": round(max(times) / (2 * direct), 3), "unit": "ratio"},
        "linux_boot_2vm_hv": {"value": round(max(times) * NS_PER_SECOND), "unit": "instructions"},
        "linux_boot_2vm_exits": {"value": {vm: {k: v for k, v in exits.get(vm, {}).items() if v}
                                               for vm in vms}, "unit": "exits"},
    }


# -- the I/O lesson: the same data moved four ways ----------------------------

IO_TARGETS = ("kvm-svm", "kvm")         # instructions under TCG first; the host's KVM: ratios
IO_BYTES = 16 * 1024                    # guests/x86_64/io-lesson.c
KiB = 1024
# (way, what it is, scenario, the marker that opens its stretch, its BENCH line)
IO_WAYS = [
    ("uart", "16550 UART, byte by byte (port I/O)", "io-lesson-exits", 1, "io_uart"),
    ("mmio", "MMIO register, 8 bytes a store", "io-lesson-exits", 3, "io_mmio"),
    ("virtio-exit", "virtio-blk, notify by MMIO exit", "io-lesson-exits", 5, "io_virtio"),
    ("virtio-eventfd", "virtio-blk, ioeventfd + irqfd", "io-lesson", 5, "io_virtio"),
]
IO_SCENARIOS = ("io-lesson", "io-lesson-exits")
MARKER = re.compile(r"marker (\d+): pio \d+ mmio \d+ hypercall \d+ total (\d+)")


def marker_exits(lines: list[str], first: int) -> int:
    """Exits to the VMM between markers `first` and `first + 1`, less the
    closing marker's own."""
    totals = {int(m[1]): int(m[2]) for line in lines if (m := MARKER.search(line))}
    if first not in totals or first + 1 not in totals:
        raise HarnessError(f"the I/O lesson's guest printed no marker {first} or {first + 1}")
    return totals[first + 1] - totals[first] - 1


def io_lines(name: str) -> dict[str, list[str]]:
    """Each I/O scenario's console lines on target `name`."""
    from . import kvm_machine, lab, logs
    target = load_target(name)
    lab.check_requirements(target)
    if not kvm_machine.is_machine(target):
        return {s: boot(name, s, echo=False, quiet_build=True).lines for s in IO_SCENARIOS}
    if kvm_machine.missing(target):
        raise TargetUnavailable(kvm_machine.missing(target))
    build = lab.build(target, echo=False)
    result, problems = kvm_machine.run_all(target, build, logs.new_log(f"{name}-io"),
                                           names=list(IO_SCENARIOS))
    if problems:
        raise HarnessError("; ".join(f"{s}: {why}" for s, why in problems.items()))
    return {s: lines for s, (lines, _) in kvm_machine.sections(result.lines).items()}


def io_run(name: str) -> dict:
    clock = load_target(name).emulator.get("bench_clock", "icount")
    with step(f"I/O lesson: {name}"):
        lines = io_lines(name)
    ways = []
    for way, label, scenario, mark, bench_name in IO_WAYS:
        raw = parse_bench_lines(lines[scenario]).get(bench_name)
        if raw is None:
            raise HarnessError(f"I/O lesson on {name}: no {bench_name} line from {scenario}")
        exits, requests = marker_exits(lines[scenario], mark), raw["iterations"]
        cost = instructions(raw["ticks"], raw["freq"], clock)
        ways.append({"way": way, "label": label, "requests": requests, "exits": exits,
                     "exits_per_kib": exits * KiB / IO_BYTES,
                     "exits_per_request": round(exits / requests, 3),
                     "time": round(cost), "time_per_kib": round(cost * KiB / IO_BYTES)})
    return {"target": name, "unit": UNITS[clock], "bytes": IO_BYTES, "ways": ways}


def run_io_lesson() -> list[dict]:
    runs = []
    for name in IO_TARGETS:
        try:
            runs.append(io_run(name))
        except TargetUnavailable as e:
            say(f"skipped {name}: {e}")
    if not runs:
        raise HarnessError(f"no target for the I/O lesson could run here ({', '.join(IO_TARGETS)})")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "io.json").write_text(json.dumps({"lesson": "io", "runs": runs}, indent=2) + "\n")
    plot_io(runs[0], BENCH_DIR / "io")
    return runs


def plot_io(run: dict, path: Path) -> None:
    """Exits to the VMM per KiB, one bar per way (a log scale that shows 0),
    each labelled with its time per KiB."""
    with slide(path) as (fig, ax):
        ways = run["ways"]
        xs = range(len(ways))
        bars = ax.bar(xs, [w["exits_per_kib"] for w in ways],
                      color=["#d62728", "#ff7f0e", "#1f77b4", "#2ca02c"])
        unit = "instr." if run["unit"] == "instructions" else "ticks"
        ax.bar_label(bars, labels=[f"{w['exits_per_kib']:,.4g} exits\n{w['time_per_kib']:,} {unit}/KiB"
                                   for w in ways], padding=4)
        ax.set_yscale("symlog", linthresh=0.1)
        ax.set_ylim(0, max(w["exits_per_kib"] for w in ways) * 30)
        ax.set_xticks(list(xs), [w["label"].replace(", ", ",\n") for w in ways])
        ax.set_ylabel("exits to the VMM per KiB")
        ax.set_title(f"Moving {run['bytes'] // KiB} KiB through the KVM VMM ({run['target']})")


def io_table(runs: list[dict]) -> str:
    rows = []
    for r in runs:
        rows.append(f"{r['target']}: {r['bytes'] // KiB} KiB, time in {r['unit']}")
        rows.append(f"  {'way':<16}{'requests':>9}{'exits':>8}{'exits/KiB':>11}"
                    f"{'exits/request':>15}{'time/KiB':>14}")
        for w in r["ways"]:
            rows.append(f"  {w['way']:<16}{w['requests']:>9}{w['exits']:>8}"
                        f"{w['exits_per_kib']:>11.4g}{w['exits_per_request']:>15.4g}"
                        f"{w['time_per_kib']:>14,}")
    return "\n".join(rows)
