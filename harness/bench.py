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

from . import BUILD, HarnessError
from .build import Build
from .lab import boot, ensure_tools
from .scenario import load_scenarios, runnable
from .target import load_target

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
    ensure_tools(target)
    result = boot(name, "bench", echo=False, icount=True, quiet_build=True)
    metrics = guest_metrics(parse_bench_lines(result.lines),
                            target.emulator.get("bench_clock", "icount"))
    metrics["build_clean"] = {"value": round(clean_build_seconds(target), 2), "unit": "seconds"}
    report = {"target": name, "metrics": metrics}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def table(reports: list[dict]) -> str:
    names = sorted({m for r in reports for m in r["metrics"]})
    head = f"{'metric':<22}" + "".join(f"{r['target']:>16}" for r in reports) + "  unit"
    rows = [head, "-" * len(head)]
    for n in names:
        cells, unit = "", ""
        for r in reports:
            m = r["metrics"].get(n)
            cells += f"{m['value']:>16}" if m else f"{'-':>16}"
            unit = unit or (m["unit"] if m else "")
        rows.append(f"{n:<22}{cells}  {unit}")
    return "\n".join(rows)
