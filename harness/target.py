"""Targets: one TOML file per emulated machine in qemu-configs/.

A target names its architecture, emulator (binary, machine, CPU, memory,
smp, devices, accelerator), compiler flags, the board's memory map and the
VMs' memory map. The emulator command line is rendered from it."""
import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import NonNegativeInt, PositiveInt

from . import ROOT, HarnessError
from .schema import Strict, validate
from .templates import render

CONFIG_DIR = ROOT / "qemu-configs"


@dataclass
class Target:
    name: str
    description: str
    arch: str
    default_guest: str
    emulator: dict
    toolchain: dict
    platform: dict
    guest: dict
    path: Path = field(repr=False, default=None)
    scenario_tables: list[str] = field(default_factory=list)   # [NAME.on.X] it takes too
    scenarios: list[str] = field(default_factory=list)  # only these of its architecture's, if any

    def with_paging(self, mode: str | None) -> "Target":
        """This target with the guests' memory virtualized by `mode`:
        "nested" (EPT/NPT, the default) or "shadow" (page tables kept by the
        hypervisor). A shadow build is a target of its own: NAME+shadow."""
        if mode in (None, "nested"):
            return self
        if mode != "shadow" or not supports_shadow(self):
            raise HarnessError(f"paging mode '{mode}' for {self.name}: only 'nested' or, for "
                               f"the VT-x and AMD-V targets, 'shadow'")
        return dataclasses.replace(self, name=f"{self.name}+shadow",
                                   platform={**self.platform, "paging": "shadow"})

    @property
    def packages(self) -> list[str]:
        return self.emulator.get("packages", [])

    def emulator_for(self, cpus: int = 1) -> dict:
        """The emulator table, with at least `cpus` CPUs (an SMP scenario)."""
        return dict(self.emulator, smp=max(int(self.emulator["smp"]), cpus))

    def command(self, image: Path | None, gdb_port: int | None = None, cpus: int = 1,
                monitor: Path | None = None, dumpdtb: Path | None = None,
                serial: str = "stdio", initrd: Path | None = None,
                append: str | None = None) -> list[str]:
        """QEMU's argv for booting `image`; `monitor`: a Unix socket for
        QEMU's human monitor, else none; `serial`: where the console goes;
        `dumpdtb`: instead of booting, write the machine's device tree there
        and exit. Every QEMU command line the harness runs is rendered here."""
        text = render("qemu.cmdline.j2", emulator=self.emulator_for(cpus),
                      monitor=f"unix:{monitor},server=on,wait=off" if monitor else None,
                      image=str(image), gdb_port=gdb_port, dumpdtb=dumpdtb, serial=serial,
                      initrd=initrd, append=append)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def launch(self, image: Path, run_dir: Path, cpus: int = 1,
               vms: list[dict] | None = None, vmm: dict | None = None,
               initrd: Path | None = None, append: str | None = None,
               status_line: str | None = None) -> "Launch":
        """How to boot `image`: QEMU's serial console is its standard
        output, its own messages (standard error) go to a log of their own;
        Bochs writes COM1 to a file and wants a config file; the VMM (kind
        "vmm") runs the scenario's `vms` (Build.vm_entries) itself, each
        guest binary in a KVM VM of its own, and prints the console."""
        if self.emulator["kind"] == "vmm":
            run_dir.mkdir(parents=True, exist_ok=True)
            return Launch(vmm_command(self.emulator["binary"], vms or [], vmm or {}, run_dir),
                          emulator_log=run_dir / "vmm.stderr", stderr_to_log=True)
        if self.emulator["kind"] == "qemu":
            run_dir.mkdir(parents=True, exist_ok=True)
            monitor = run_dir / "monitor.sock"
            return Launch(self.command(image, cpus=cpus, monitor=monitor, initrd=initrd,
                                       append=append),
                          emulator_log=run_dir / "qemu.stderr", stderr_to_log=True,
                          monitor=monitor, elf=image if image.suffix == ".elf" else None,
                          status_line=status_line)
        run_dir.mkdir(parents=True, exist_ok=True)
        serial, log = run_dir / "serial.log", run_dir / "bochs.log"
        serial.unlink(missing_ok=True)
        (run_dir / "bochsrc").write_text(render(
            "bochsrc.j2", target=self, emulator=self.emulator, iso=image.resolve(),
            serial_log=serial.resolve(), emulator_log=log.resolve()))
        (run_dir / "bochs.rc").write_text("continue\nquit\n")   # its debugger would stop first
        argv = [self.emulator["binary"], "-q", "-f", str(run_dir / "bochsrc"),
                "-rc", str(run_dir / "bochs.rc")]
        return Launch(argv, serial_file=serial, emulator_log=log, env={"TERM": "xterm"},
                      exit_status=self.emulator.get("exit_status", 0))


def vmm_command(python: str, vms: list[dict], options: dict, run_dir: Path) -> list[str]:
    """python3 -m vmm run --vm NAME=GUEST.bin[,real-mode] ... (vmm/__main__.py),
    with the scenario's devices (harness/scenario.py VmmOptions); a disk is
    made fresh, zeroed, in the run's folder."""
    argv = [python, "-m", "vmm", "run"]
    for vm in vms:
        argv += ["--vm", f"{vm['name']}={vm['image']}" + (",real-mode" if vm["from_reset"] else "")]
        if vm.get("params"):
            argv += ["--param", f"{vm['name']}=" + ",".join(map(str, vm["params"]))]
    if options.get("disk_mib"):
        disk = run_dir / "disk.img"
        with open(disk, "wb") as f:
            f.truncate(options["disk_mib"] << 20)
        argv += ["--disk", f"{disk}" + (",ro" if options.get("disk_ro") else "")]
    if options.get("virtio_console"):
        argv.append("--virtio-console")
    return argv + ["--notify", options.get("notify", "ioeventfd")]


@dataclass
class Launch:
    argv: list[str]
    serial_file: Path | None = None     # where the console goes, if not to stdout
    emulator_log: Path | None = None    # the emulator's own messages
    stderr_to_log: bool = False         # the harness sends its standard error there
    env: dict = field(default_factory=dict)
    exit_status: int = 0                # what a clean power-off exits with
    monitor: Path | None = None         # QEMU's monitor socket, to look inside on a failure
    elf: Path | None = None             # the hypervisor's symbols, for that
    status_line: str | None = None      # a regex whose group 1 on the console is the status
                                        # checked (a VMM inside the machine), not the emulator's


# -- the target file's schema ------------------------------------------------

class EmulatorTable(Strict):
    kind: Literal["qemu", "bochs", "vmm"]   # vmm: the Python KVM VMM (vmm/) is the "emulator"
    binary: str
    packages: list[str] = []            # the Debian packages it comes from
    machine: str | None = None          # (QEMU and Bochs only, from here to accel)
    machine_options: dict[str, str | int] = {}
    cpu: str | None = None
    memory: str | None = None           # QEMU's -m ("512M"); Bochs: MiB ("128")
    smp: PositiveInt | None = None
    accel: Literal["tcg", "kvm", "none"] | None = None
    devices: list[str] = []             # extra -device arguments
    requires: list[Literal["kvm", "kvm-vmx", "kvm-svm"]] = []  # hardware this machine must have
    bench_clock: Literal["icount", "instructions", "tsc"] = "icount"
    ips: PositiveInt | None = None      # Bochs: emulated instructions per second
    exit_status: int = 0                # what a clean power-off exits with


class ToolchainTable(Strict):
    image: Literal["elf", "iso", "guests"] = "elf"     # guests: no hypervisor image (the VMM)
    cflags: list[str] = []


class PlatformTable(Strict):            # the real board, as the hypervisor sees it
    ram_base: NonNegativeInt
    ram_size: PositiveInt
    hv_base: NonNegativeInt
    uart_base: NonNegativeInt
    stack_size: PositiveInt
    max_cpus: PositiveInt                       # the physical CPUs it brings up
    gicd_base: NonNegativeInt | None = None     # arm64
    gicr_base: NonNegativeInt | None = None
    tsc_hz: PositiveInt | None = None           # x86_64
    backend: Literal["trap-emulate"] | None = None
    paging: Literal["nested", "shadow"] | None = None


class GuestTable(Strict):               # the board every VM sees
    ram_base: NonNegativeInt
    ram_size: PositiveInt
    ram_align: PositiveInt
    image_offset: NonNegativeInt
    uart_base: NonNegativeInt
    demo_base: NonNegativeInt
    virtio_base: NonNegativeInt | None = None   # the VMM's first virtio-mmio device
    max_vms: PositiveInt
    time_slice_us: PositiveInt


class TargetFile(Strict):
    description: str
    scenario_tables: list[str] = []     # targets whose [NAME.on.T] tables apply here too
    scenarios: list[str] = []           # only these scenarios run here (default: all that apply)
    arch: Literal["arm64", "x86_64"]
    default_guest: str
    emulator: EmulatorTable
    toolchain: ToolchainTable
    platform: PlatformTable
    guest: GuestTable


# Keys one architecture or emulator needs that the other does not have.
NEEDED = {("platform", "gicd_base"): lambda f: f.arch == "arm64",
          ("platform", "gicr_base"): lambda f: f.arch == "arm64",
          ("platform", "tsc_hz"): lambda f: f.arch == "x86_64",
          ("emulator", "ips"): lambda f: f.emulator.kind == "bochs",
          **{("emulator", key): (lambda f: f.emulator.kind != "vmm")
             for key in ("machine", "cpu", "memory", "smp", "accel")}}


def parse_target(name: str, text: str, path: Path | None = None) -> Target:
    where = str(path.relative_to(ROOT)) if path else name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise HarnessError(f"{where}: not valid TOML: {e}") from None
    f = validate(TargetFile, data, where)
    for (table, key), needed in NEEDED.items():
        if needed(f) and getattr(getattr(f, table), key) is None:
            raise HarnessError(f"{where}: [{table}] {key}: required for this target "
                               f"(arch {f.arch}, emulator {f.emulator.kind})")
    tables = {t: getattr(f, t).model_dump(exclude_none=True)
              for t in ("emulator", "toolchain", "platform", "guest")}
    return Target(name=name, path=path, description=f.description, arch=f.arch,
                  default_guest=f.default_guest, scenario_tables=f.scenario_tables,
                  scenarios=f.scenarios, **tables)


def load_target(name: str) -> Target:
    """A target by file name; "NAME+shadow" is NAME with shadow paging."""
    if "+" in name:
        base, mode = name.split("+", 1)
        return load_target(base).with_paging(mode)
    path = CONFIG_DIR / f"{name}.toml"
    if not path.exists():
        raise HarnessError(f"unknown target '{name}': known targets are {', '.join(target_names())}")
    return parse_target(name, path.read_text(), path)


def target_names(with_variants: bool = False) -> list[str]:
    """The target files; with_variants adds each x86 hardware target's
    shadow-paging build (NAME+shadow)."""
    names = sorted(p.stem for p in CONFIG_DIR.glob("*.toml"))
    if not with_variants:
        return names
    shadow = [f"{n}+shadow" for n in names if supports_shadow(load_target(n))]
    return sorted(names + shadow)


def supports_shadow(target: Target) -> bool:
    """Shadow paging is a mode of the VT-x and AMD-V back ends (not of a
    target whose guests run under the KVM VMM: image "guests")."""
    return target.arch == "x86_64" and "backend" not in target.platform and \
        target.toolchain.get("image") != "guests"
