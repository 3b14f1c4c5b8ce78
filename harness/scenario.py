"""Scenarios: guests/scenarios.toml says which guest runs in which VM, what
the console must show, and how long a run may take. The defaults every
scenario shares are here."""
import re
import tomllib
from dataclasses import dataclass, field

from . import ROOT, HarnessError

SCENARIO_FILE = ROOT / "guests" / "scenarios.toml"

# Lines that fail any run wherever they appear.
DEFAULT_FORBID = ["FAIL:", "PANIC", "stopped: unhandled"]
KEYS = {"description", "vms", "expect", "forbid", "allow", "min_exits", "interleaved",
        "from_reset", "arches", "timeout", "skip", "on", "ram_mib", "console_vm", "interactive",
        "vcpus", "kernel", "initrd", "append", "silence"}


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
                   set(spec.get("interleaved", [])) | set(spec.get("from_reset", [])))
        stray = sorted(streams - set(spec["vms"]) - {"hv"})
        if stray:
            raise HarnessError(f"{where}: scenario '{name}' names no such VM: {', '.join(stray)}")
        for pattern in [p for ps in spec["expect"].values() for p in ps] + spec.get("forbid", []):
            compile_pattern(pattern)
        unknown_allowed = sorted(set(spec.get("allow", [])) - set(DEFAULT_FORBID))
        if unknown_allowed:
            raise HarnessError(f"{where}: scenario '{name}' allows {unknown_allowed}, which is "
                               f"not a default forbidden line ({DEFAULT_FORBID})")
        forbid = [p for p in DEFAULT_FORBID if p not in spec.get("allow", [])]
        scenarios[name] = Scenario(name=name, forbid=forbid + spec.get("forbid", []),
                                   **{k: v for k, v in spec.items() if k not in ("forbid", "allow")})
    return scenarios


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
