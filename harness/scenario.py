"""Scenarios: guests/scenarios.toml says which guest runs in which VM, what
the console must show, and how long a run may take. The defaults every
scenario shares are here."""
import re
import tomllib
from fractions import Fraction
from dataclasses import dataclass, field

from . import ROOT, HarnessError

SCENARIO_FILE = ROOT / "guests" / "scenarios.toml"

# Lines that fail any run wherever they appear.
DEFAULT_FORBID = ["FAIL:", "PANIC", "stopped: unhandled"]
KEYS = {"description", "vms", "expect", "forbid", "allow", "min_exits", "interleaved",
        "from_reset", "arches", "timeout", "skip", "on", "ram_mib", "console_vm", "interactive",
        "vcpus", "kernel", "initrd", "append", "silence", "sched", "reservation", "params"}
SCHED_POLICIES = ("round-robin", "edf")     # hv/sched.c, hv/sched_edf.c


@dataclass
class Scenario:
    name: str
    vms: dict[str, str]                       # VM name -> guest program
    expect: dict[str, list[str]]              # stream ("hv" or a VM name) -> patterns
    description: str = ""
    forbid: list[str] = field(default_factory=list)
    min_exits: dict[str, dict[str, int]] = field(default_factory=dict)
    interleaved: list[str] = field(default_factory=list)
    from_reset: list[str] = field(default_factory=list)   # VMs started as after a CPU reset
    arches: list[str] | None = None           # architectures or target names
    ram_mib: dict[str, int] = field(default_factory=dict)  # VM -> RAM in MiB (default: target's)
    vcpus: dict[str, int] = field(default_factory=dict)    # VM -> vCPUs, each on its own CPU
    console_vm: str | None = None       # the VM that owns the real UART: its lines have no prefix
    interactive: bool = False           # needs someone at the console (a test types commands)
    kernel: str | None = None           # a Linux VM's Image, initramfs and command line
    initrd: str | None = None           # (default: build/linux/'s, and linux.DEFAULT_BOOTARGS)
    append: str | None = None
    silence: float | None = None        # seconds without a console line that count as a hang
    timeout: float = 60
    skip: str | None = None                   # why it does not run here (set in an "on" table)
    sched: str = "round-robin"          # the hypervisor's policy: "round-robin" or "edf"
    reservation: dict[str, dict] = field(default_factory=dict)  # VM -> {period_us, budget_us}
    params: dict[str, list[int]] = field(default_factory=dict)  # VM -> values it reads (HC_PARAM)

    @property
    def cpus(self) -> int:
        """Physical CPUs the run needs: vCPU n of a VM is pinned to CPU n."""
        return max(self.vcpus.values(), default=1)

    def runs_on(self, arch: str, target: str | None = None) -> bool:
        return self.arches is None or arch in self.arches or target in self.arches


def for_arch(spec: dict, arch: str | None, target: str | None = None) -> dict:
    """The scenario as it applies to `arch`, and then to the one `target`:
    [NAME.on.ARCH], then [NAME.on.TARGET], add to (or replace) the
    expectations, e.g. the text of an architecture's report; a target's
    table wins over its architecture's. A shadow-paging build of a target
    ("vmx+shadow") takes [NAME.on.vmx], then [NAME.on.shadow]."""
    spec = dict(spec)
    tables = spec.pop("on", {})
    names = [arch] + (target.split("+") if target else [])
    for override in (tables.get(n, {}) for n in names):
        for key, value in override.items():
            if isinstance(value, dict) and isinstance(spec.get(key), dict):
                spec[key] = {**spec[key], **value}
            else:
                spec[key] = value
    return spec


def parse_scenarios(text: str, where: str = "scenarios", arch: str | None = None,
                    target: str | None = None) -> dict[str, Scenario]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise HarnessError(f"{where}: not valid TOML: {e}") from None
    scenarios = {}
    for name, spec in data.items():
        spec = for_arch(spec, arch, target)
        unknown = sorted(set(spec) - KEYS)
        if unknown:
            raise HarnessError(f"{where}: scenario '{name}': unknown key(s) {', '.join(unknown)}")
        if not spec.get("vms") or not spec.get("expect"):
            raise HarnessError(f"{where}: scenario '{name}' needs vms and expect")
        streams = (set(spec["expect"]) | set(spec.get("min_exits", {})) |
                   set(spec.get("ram_mib", {})) | set(spec.get("vcpus", {})) | {spec.get("console_vm")} - {None} |
                   set(spec.get("interleaved", [])) | set(spec.get("from_reset", [])) |
                   set(spec.get("reservation", {})) | set(spec.get("params", {})))
        stray = sorted(streams - set(spec["vms"]) - {"hv"})
        if stray:
            raise HarnessError(f"{where}: scenario '{name}' names no such VM: {', '.join(stray)}")
        for pattern in [p for ps in spec["expect"].values() for p in ps] + spec.get("forbid", []):
            compile_pattern(pattern)
        unknown_allowed = sorted(set(spec.get("allow", [])) - set(DEFAULT_FORBID))
        if unknown_allowed:
            raise HarnessError(f"{where}: scenario '{name}' allows {unknown_allowed}, which is "
                               f"not a default forbidden line ({DEFAULT_FORBID})")
        check_realtime(spec, f"{where}: scenario '{name}'")
        forbid = [p for p in DEFAULT_FORBID if p not in spec.get("allow", [])]
        scenarios[name] = Scenario(name=name, forbid=forbid + spec.get("forbid", []),
                                   **{k: v for k, v in spec.items() if k not in ("forbid", "allow")})
    return scenarios


def check_realtime(spec: dict, where: str) -> None:
    """`sched`, `reservation` and `params`: under "edf" every VM needs a
    reservation {period_us, budget_us} (budget_us: one for all vCPUs or a
    list, one per vCPU), and on each physical CPU the reservations of the
    vCPUs pinned to it (vCPU n of every VM) must fit: Σ Θ/Π <= 1."""
    from rt.model import ModelError, PeriodicResource
    policy = spec.get("sched", "round-robin")
    if policy not in SCHED_POLICIES:
        raise HarnessError(f"{where}: sched = '{policy}': expected one of {', '.join(SCHED_POLICIES)}")
    for vm, values in spec.get("params", {}).items():
        if not isinstance(values, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 1 << 63 for v in values):
            raise HarnessError(f"{where}: params.{vm}: expected a list of integers in [0, 2^63)")
    reservations = spec.get("reservation", {})
    if policy != "edf":
        if reservations:
            raise HarnessError(f"{where}: reservation needs sched = \"edf\"")
        return
    per_cpu = {}
    for vm in spec["vms"]:
        if vm not in reservations:
            raise HarnessError(f"{where}: sched = \"edf\": reservation.{vm} is missing")
        r = reservations[vm]
        unknown = sorted(set(r) - {"period_us", "budget_us"})
        if unknown or "period_us" not in r or "budget_us" not in r:
            raise HarnessError(f"{where}: reservation.{vm}: expected period_us and budget_us"
                               + (f", not {', '.join(unknown)}" if unknown else ""))
        vcpus = spec.get("vcpus", {}).get(vm, 1)
        budgets = r["budget_us"] if isinstance(r["budget_us"], list) else [r["budget_us"]] * vcpus
        if len(budgets) != vcpus:
            raise HarnessError(f"{where}: reservation.{vm}.budget_us: {len(budgets)} budget(s) "
                               f"for {vcpus} vCPU(s)")
        for cpu, budget in enumerate(budgets):
            try:
                per_cpu.setdefault(cpu, []).append(PeriodicResource(r["period_us"], budget))
            except ModelError as e:
                raise HarnessError(f"{where}: reservation.{vm}: {e}") from None
    for cpu, reserved in per_cpu.items():
        total = sum((r.bandwidth for r in reserved), Fraction(0))
        if total > 1:
            raise HarnessError(f"{where}: the reservations on CPU {cpu} add up to {total} "
                               f"({float(total):.3f}) of it: more than the whole CPU")


def load_scenarios(arch: str | None = None, target: str | None = None) -> dict[str, Scenario]:
    """Every scenario for `arch` (and `target`), including those with a
    `skip` reason: callers build and boot only the others (runnable())."""
    all_ = parse_scenarios(SCENARIO_FILE.read_text(), str(SCENARIO_FILE.relative_to(ROOT)),
                           arch, target)
    return {n: s for n, s in all_.items() if arch is None or s.runs_on(arch, target)}


def runnable(scenarios: dict[str, Scenario]) -> list[Scenario]:
    return [s for s in scenarios.values() if not s.skip]


def load_scenario(name: str, arch: str, target: str | None = None) -> Scenario:
    scenarios = load_scenarios(arch, target)
    where = f"{arch} (target {target})" if target else arch
    if name not in scenarios:
        raise HarnessError(f"unknown guest/scenario '{name}' for {where}: "
                           f"known are {', '.join(sorted(scenarios))}")
    if scenarios[name].skip:
        raise HarnessError(f"scenario '{name}' does not run on {where}: {scenarios[name].skip}")
    return scenarios[name]


def compile_pattern(pattern: str) -> re.Pattern:
    """A plain substring, or a regular expression after "re:"."""
    try:
        return re.compile(pattern[3:] if pattern.startswith("re:") else re.escape(pattern))
    except re.error as e:
        raise HarnessError(f"bad pattern {pattern!r}: {e}") from None
