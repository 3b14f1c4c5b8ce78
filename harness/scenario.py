"""Scenarios: guests/scenarios.toml says which guest runs in which VM, what
the console must show, and how long a run may take. The defaults every
scenario shares are here."""
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt

from . import ROOT, HarnessError
from .schema import Strict, validate

SCENARIO_FILE = ROOT / "guests" / "scenarios.toml"

# Lines that fail any run wherever they appear.
DEFAULT_FORBID = ["FAIL:", "PANIC", "stopped: unhandled"]


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
    unbacked: dict[str, str] = field(default_factory=dict)  # VM -> "stop" or "kvm" (see the TOML)
    irqchip: list[str] = field(default_factory=list)        # VMs given an emulated GICv3
    arches: list[str] | None = None           # architectures or target names
    ram_mib: dict[str, int] = field(default_factory=dict)  # VM -> RAM in MiB (default: target's)
    vcpus: dict[str, int] = field(default_factory=dict)    # VM -> vCPUs, each on its own CPU
    console_vm: str | None = None       # the VM that owns the real UART: its lines have no prefix
    interactive: bool = False           # needs someone at the console (a test types commands)
    kernel: str | None = None           # a Linux VM's Image, initramfs and command line
    initrd: str | None = None           # (default: the prepared one's, and linux.DEFAULT_BOOTARGS)
    append: str | None = None
    silence: float | None = None        # seconds without a console line that count as a hang
    prompt_timeout: float | None = None  # seconds an interactive guest may take to its first prompt
    timeout: float = 60
    skip: str | None = None                   # why it does not run here (set in an "on" table)
    exit_status: int | None = None      # the emulator's status at the end (default: the target's)
    vmm: dict = field(default_factory=dict)   # the KVM VMM's devices (VmmOptions)
    sched: str = "round-robin"          # the hypervisor's policy: "round-robin" or "edf"
    reservation: dict[str, dict] = field(default_factory=dict)  # VM -> {period_us, budget_us}
    params: dict[str, list[int]] = field(default_factory=dict)  # VM -> values it reads (HC_PARAM)

    @property
    def cpus(self) -> int:
        """Physical CPUs the run needs: vCPU n of a VM is pinned to CPU n."""
        return max(self.vcpus.values(), default=1)

    def runs_on(self, arch: str, target: str | None = None) -> bool:
        return self.arches is None or any(p in self.arches for p in places_for(arch, target))


def places_for(arch: str | None, target: str | None) -> list[str]:
    """What [NAME.on.X] tables and `arches` entries apply to `target`, in
    order: its architecture, the targets it takes tables from (its file's
    scenario_tables: kvm-svm runs kvm's guests), then its own name and, for
    NAME+shadow, "shadow"."""
    from .target import CONFIG_DIR, load_target
    inherited = []
    if target and "+" not in target and (CONFIG_DIR / f"{target}.toml").exists():
        inherited = load_target(target).scenario_tables
    return [arch] + inherited + (target.split("+") if target else [])


def for_arch(spec: dict, arch: str | None, target: str | None = None) -> dict:
    """The scenario as it applies to `arch`, and then to the one `target`:
    [NAME.on.ARCH], then [NAME.on.TARGET], add to (or replace) the
    expectations, e.g. the text of an architecture's report; a target's
    table wins over its architecture's. A shadow-paging build of a target
    ("vmx+shadow") takes [NAME.on.vmx], then [NAME.on.shadow]."""
    spec = dict(spec)
    tables = spec.pop("on", {})
    names = places_for(arch, target)
    for override in (tables.get(n, {}) for n in names):
        for key, value in override.items():
            if isinstance(value, dict) and isinstance(spec.get(key), dict):
                spec[key] = {**spec[key], **value}
            else:
                spec[key] = value
    return spec


class VmmOptions(Strict):
    """[NAME] vmm = {...}: what the KVM VMM (vmm/) adds for this scenario."""
    disk_mib: PositiveInt | None = None     # a fresh zeroed raw disk of this size, virtio-blk
    disk_ro: bool = False                   # ... offered read-only
    virtio_console: bool = False            # a virtio-console (after the disk)
    notify: Literal["mmio", "ioeventfd"] = "ioeventfd"   # how queue notifications arrive
class ReservationSpec(Strict):
    """reservation.VM: Θ = budget_us of every Π = period_us, for each vCPU
    (one budget for all, or a list, one per vCPU) (docs/rt-scheduling.md)."""
    period_us: PositiveInt
    budget_us: NonNegativeInt | list[NonNegativeInt]


class ScenarioSpec(Strict):
    """One [NAME] table of guests/scenarios.toml (keys explained at its top)."""
    description: str = ""
    vms: dict[str, str] = Field(min_length=1)
    expect: dict[str, list[str]] = Field(min_length=1)
    forbid: list[str] = []
    allow: list[str] = []
    min_exits: dict[str, dict[str, NonNegativeInt]] = {}
    interleaved: list[str] = []
    from_reset: list[str] = []
    unbacked: dict[str, Literal["stop", "kvm"]] = {}
    irqchip: list[str] = []
    arches: list[str] | None = None
    timeout: PositiveFloat = 60
    silence: PositiveFloat | None = None
    prompt_timeout: PositiveFloat | None = None
    skip: str | None = None
    exit_status: int | None = None
    vmm: VmmOptions = VmmOptions()
    ram_mib: dict[str, PositiveInt] = {}
    vcpus: dict[str, PositiveInt] = {}
    console_vm: str | None = None
    interactive: bool = False
    kernel: str | None = None
    initrd: str | None = None
    append: str | None = None
    on: dict[str, dict] = {}
    sched: Literal["round-robin", "edf"] = "round-robin"
    reservation: dict[str, ReservationSpec] = {}
    params: dict[str, list[Annotated[int, Field(ge=0, lt=1 << 63)]]] = {}


def known_exit_kinds() -> set[str]:
    from .inspect import exit_kind_names
    return set(exit_kind_names()) | {"total"}


def check_spec(name: str, spec: ScenarioSpec, where: str, table: str) -> None:
    """What the schema cannot say: names that must refer to each other."""
    def bad(key: str, problem: str):
        raise HarnessError(f"{where}: [{table}] {key}: {problem}")

    vms = set(spec.vms)
    named = {"expect": set(spec.expect) - {"hv"}, "min_exits": set(spec.min_exits),
             "ram_mib": set(spec.ram_mib), "vcpus": set(spec.vcpus),
             "unbacked": set(spec.unbacked), "irqchip": set(spec.irqchip),
             "interleaved": set(spec.interleaved), "from_reset": set(spec.from_reset),
             "console_vm": {spec.console_vm} - {None}, "reservation": set(spec.reservation),
             "params": set(spec.params)}
    for key, names in named.items():
        for stray in sorted(names - vms):
            bad(key if key in ("interleaved", "from_reset", "console_vm", "irqchip") else f"{key}.{stray}",
                f"names no such VM: {stray} (the VMs are {', '.join(sorted(vms))})")
    kinds = known_exit_kinds()
    for vm, minimums in spec.min_exits.items():
        for kind in sorted(set(minimums) - kinds):
            bad(f"min_exits.{vm}.{kind}", f"no such exit kind (known: {', '.join(sorted(kinds))})")
    for stream, patterns in spec.expect.items():
        for pattern in patterns:
            _checked_pattern(pattern, lambda problem: bad(f"expect.{stream}", problem))
    for pattern in spec.forbid:
        _checked_pattern(pattern, lambda problem: bad("forbid", problem))
    for allowed in spec.allow:
        if allowed not in DEFAULT_FORBID:
            bad("allow", f"{allowed!r} is not a default forbidden line ({DEFAULT_FORBID})")
    check_realtime(spec, bad)
    names = places()
    for place in (spec.arches or []) + list(spec.on):
        if place not in names:
            bad("arches" if place in (spec.arches or []) else f"on.{place}",
                f"{place!r} is no architecture, target or 'shadow' ({', '.join(sorted(names))})")


def check_realtime(spec: ScenarioSpec, bad) -> None:
    """Under sched = "edf" every VM needs a reservation, with a budget per
    vCPU, and on each physical CPU the reservations of the vCPUs pinned to
    it (vCPU n of every VM) must fit: Σ Θ/Π <= 1 (checked with rt/)."""
    from rt.model import ModelError, PeriodicResource
    if spec.sched != "edf":
        if spec.reservation:
            bad("reservation", 'needs sched = "edf"')
        return
    per_cpu = {}
    for vm in spec.vms:
        if vm not in spec.reservation:
            bad(f"reservation.{vm}", 'missing: under sched = "edf" every VM needs one')
        r = spec.reservation[vm]
        vcpus = spec.vcpus.get(vm, 1)
        budgets = r.budget_us if isinstance(r.budget_us, list) else [r.budget_us] * vcpus
        if len(budgets) != vcpus:
            bad(f"reservation.{vm}.budget_us", f"{len(budgets)} budget(s) for {vcpus} vCPU(s)")
        for cpu, budget in enumerate(budgets):
            try:
                per_cpu.setdefault(cpu, []).append(PeriodicResource(r.period_us, budget))
            except ModelError as e:
                bad(f"reservation.{vm}", str(e))
    for cpu, reserved in per_cpu.items():
        total = sum((r.bandwidth for r in reserved), Fraction(0))
        if total > 1:
            bad("reservation", f"those on CPU {cpu} add up to {total} ({float(total):.3f}) "
                f"of it: more than the whole CPU")


def check_scenario(scenario: Scenario, where: str) -> None:
    """A Scenario built in Python (harness/rt_experiments.py) held to the
    same rules as one from guests/scenarios.toml."""
    raw = {k: getattr(scenario, k) for k in ("vms", "expect", "vcpus", "sched", "reservation",
                                           "params")}
    check_spec(scenario.name, validate(ScenarioSpec, raw, where, scenario.name), where,
               scenario.name)


def _checked_pattern(pattern: str, complain) -> None:
    try:
        compile_pattern(pattern)
    except HarnessError as e:
        complain(str(e))


def places() -> set[str]:
    """What an `arches` entry or an `on` table may name."""
    from .target import target_names
    return {"arm64", "x86_64", "shadow"} | set(target_names())


def parse_scenarios(text: str, where: str = "scenarios", arch: str | None = None,
                    target: str | None = None) -> dict[str, Scenario]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise HarnessError(f"{where}: not valid TOML: {e}") from None
    scenarios = {}
    for name, raw in data.items():
        if not isinstance(raw, dict):
            raise HarnessError(f"{where}: {name}: a scenario is a [table], not a value")
        base = validate(ScenarioSpec, raw, where, name)
        check_spec(name, base, where, name)
        for place, override in base.on.items():      # every [NAME.on.X] table, on any machine
            merged = for_arch({**raw, "on": {place: override}}, place)
            check_spec(name, validate(ScenarioSpec, merged, where, f"{name}.on.{place}"), where,
                       f"{name}.on.{place}")
        spec = validate(ScenarioSpec, for_arch(raw, arch, target), where, name)
        forbid = [p for p in DEFAULT_FORBID if p not in spec.allow]
        fields = spec.model_dump(exclude={"forbid", "allow", "on"})
        scenarios[name] = Scenario(name=name, forbid=forbid + spec.forbid, **fields)
    return scenarios


def load_scenarios(arch: str | None = None, target: str | None = None) -> dict[str, Scenario]:
    """Every scenario for `arch` (and `target`), including those with a
    `skip` reason: callers build and boot only the others (runnable())."""
    all_ = parse_scenarios(SCENARIO_FILE.read_text(), str(SCENARIO_FILE.relative_to(ROOT)),
                           arch, target)
    only = _target_scenarios(target)
    return {n: s for n, s in all_.items()
            if (arch is None or s.runs_on(arch, target)) and (not only or n in only)}


def _target_scenarios(target: str | None) -> list[str]:
    """A target file's `scenarios` list (kvm-arm64: what its VMM's board
    has devices for), or none."""
    from .target import CONFIG_DIR, load_target
    if not target or "+" in target or not (CONFIG_DIR / f"{target}.toml").exists():
        return []
    return load_target(target).scenarios


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
