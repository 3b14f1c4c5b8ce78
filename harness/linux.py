"""The Linux guest: its files, fetched by Debian package name and never
committed (DebianFiles: any Debian architecture's kernel, busybox-static
and packages with what they Depend on; arm64's here, amd64's for kvm-svm
in kvm_machine.py) (the arm64 kernel, whose vmlinuz is already a raw arm64 Image,
and an initramfs built here from busybox-static with a newc cpio writer);
its device tree, derived from QEMU's at build time; and typing commands
into its shell.

Downloads are kept apart from build outputs, in downloads/linux-arm64/
(`./lab clean` leaves them; getting them back needs root and the network):
  debs/              the downloaded .deb files
  root/kernel/       the kernel package, extracted
  root/busybox/      the busybox-static package, extracted
  Image              the kernel, copied out of root/kernel/boot/
What is made from them is a build output, made again when its recipe
changes: build/linux-arm64/initramfs.cpio, busybox and /init, which makes
busybox's applet links.
"""
import dataclasses
import gzip
import os
import re
import shutil
import stat
import struct
import subprocess
from pathlib import Path

import pexpect
from vmm import fdt

from . import BUILD, ROOT, HarnessError
from .lock import exclusive
from .progress import step

DOWNLOADS = ROOT / "downloads"
LINUX_DIR = DOWNLOADS / "linux-arm64"
IMAGE = LINUX_DIR / "Image"
BUSYBOX_ROOT = LINUX_DIR / "root" / "busybox"
INITRAMFS = BUILD / "linux-arm64" / "initramfs.cpio"
DEB_ARCH = "arm64"
KERNEL_META = f"linux-image-{DEB_ARCH}:{DEB_ARCH}"     # depends on the versioned package
BUSYBOX = f"busybox-static:{DEB_ARCH}"
GUEST = "linux"                 # the guest program name that means "this kernel"
INIT_MARKER = "initramfs: /init running, starting a shell"
POWER_OFF_ARG = "lab.poweroff"  # on the command line: /init powers off instead (a benchmark)

# /init: the first process. The marker tells the harness the kernel got this far.
INIT_SCRIPT = f"""#!/bin/sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "{INIT_MARKER}"
case " $(cat /proc/cmdline) " in *" {POWER_OFF_ARG} "*) exec poweroff -f;; esac
exec setsid cttyhack /bin/sh
"""
INIT_DIRS = ["bin", "dev", "proc", "sys", "tmp", "root"]


class NotPrepared(HarnessError):
    """The Linux guest's files are not there: tests skip with this reason."""


def missing(files: "DebianFiles | None" = None) -> str | None:
    """None when the kernel and initramfs are there, else what is missing."""
    files = files or ARM64
    missing = files.missing()
    return (f"the Linux guest is not prepared ({', '.join(missing)} missing under "
            f"{files.dir.relative_to(ROOT)}/): run `./lab prepare-linux` as root") if missing else None


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> str:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C")
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    except FileNotFoundError:
        raise HarnessError(f"{what}: {cmd[0]} not found (this task needs Debian's apt and dpkg)")
    if r.returncode != 0:
        last = (r.stderr.strip() or r.stdout.strip()).splitlines()[-1:] or ["no output"]
        offline = re.search(r"Could not resolve|Temporary failure|Failed to fetch|"
                            r"Unable to connect", r.stderr)
        hint = " (offline? the Debian mirror could not be reached)" if offline else ""
        raise HarnessError(f"{what} failed{hint}: {last[0]}")
    return r.stdout


def _download(packages: list[str], dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.deb"):
        old.unlink()
    _run(["apt-get", "download", *packages], "apt-get download " + " ".join(packages), cwd=dest)
    debs = sorted(dest.glob("*.deb"))
    if len(debs) != len(packages):
        raise HarnessError(f"apt-get download left {len(debs)} .deb file(s), expected "
                           f"{len(packages)}")
    return debs


def _extract(deb: Path, into: Path) -> None:
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    _run(["dpkg-deb", "-x", str(deb), str(into)], f"dpkg-deb -x {deb.name}")


class DebianFiles:
    """Packages of one Debian architecture, fetched by name with apt-get
    download and unpacked with dpkg-deb -x under downloads/linux-ARCH/:
    the kernel (its meta-package's current version), busybox-static, and
    `packages` with everything they Depend on (less `skip`: what only
    maintainer scripts use), unpacked together into root/sysroot/. The arm64
    Linux guest (issue 15 too) and the amd64 machine of target kvm-svm share
    this."""

    def __init__(self, deb_arch: str, packages: tuple = (), skip: tuple = ()):
        self.deb_arch, self.packages, self.skip = deb_arch, packages, skip
        self.dir = DOWNLOADS / f"linux-{deb_arch}"
        self.kernel_meta = f"linux-image-{deb_arch}:{deb_arch}"  # depends on the versioned one
        self.busybox = f"busybox-static:{deb_arch}"
        self.busybox_root = self.dir / "root" / "busybox"
        self.kernel_root = self.dir / "root" / "kernel"
        self.sysroot = self.dir / "root" / "sysroot"
        self.image = self.dir / ("Image" if deb_arch == "arm64" else "bzImage")

    def missing(self) -> list[str]:
        wanted = [self.image, self.busybox_root / "bin" / "busybox"] + \
            ([self.sysroot / ".complete"] if self.packages else [])
        return [p.name for p in wanted if not p.exists()]

    def ensure_arch(self) -> None:
        native = _run(["dpkg", "--print-architecture"], "dpkg --print-architecture").strip()
        arches = _run(["dpkg", "--print-foreign-architectures"], "listing dpkg architectures")
        if self.deb_arch != native and self.deb_arch not in arches.split():
            _run(["dpkg", "--add-architecture", self.deb_arch],
                 f"dpkg --add-architecture {self.deb_arch}")
        if not _run(["apt-cache", "policy", self.kernel_meta], "apt-cache policy").strip():
            _run(["apt-get", "update", "-qq"], "apt-get update")

    def kernel_package(self) -> str:
        """The versioned kernel package the meta-package points at, e.g.
        linux-image-6.1.0-NN-arm64:arm64."""
        out = _run(["apt-cache", "depends", self.kernel_meta],
                   f"apt-cache depends {self.kernel_meta}")
        m = re.search(r"Depends: (linux-image-[0-9][^\s:]*-" + self.deb_arch + ")", out)
        if not m:
            raise HarnessError(f"apt-cache depends {self.kernel_meta} names no kernel package")
        return f"{m[1]}:{self.deb_arch}"

    def with_depends(self) -> list[str]:
        """`packages` and, recursively, what they Depend or Pre-Depend on,
        of this architecture, less `skip`; virtual packages dropped. For a
        foreign architecture apt names its packages NAME:ARCH; a bare name
        there is this machine's own or Architecture: all (libtirpc-common's
        /etc/netconfig), which the Python of the VMM never reads."""
        native = _run(["dpkg", "--print-architecture"], "dpkg --print-architecture").strip()
        own = ("", self.deb_arch) if self.deb_arch == native else (self.deb_arch,)
        out = _run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                    "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
                    *[f"{p}:{self.deb_arch}" for p in self.packages]], "apt-cache depends")
        names = set()
        for line in out.splitlines():
            if line.startswith((" ", "<")):
                continue
            name, _, arch = line.strip().partition(":")
            if arch in own and name not in self.skip:
                names.add(f"{name}:{self.deb_arch}")
        return sorted(names)

    def prepare(self, echo=print) -> None:
        with step(f"prepare-linux: dpkg and apt know {self.deb_arch} packages"):
            self.ensure_arch()
            kernel = self.kernel_package()
        with step(f"prepare-linux: downloading {kernel} and {self.busybox}"):
            debs = _download([kernel, self.busybox], self.dir / "debs")
        with step("prepare-linux: extracting them"):
            for deb in debs:
                _extract(deb, self.busybox_root if "busybox" in deb.name else self.kernel_root)
        vmlinuz = sorted((self.kernel_root / "boot").glob("vmlinuz-*"))
        if not vmlinuz:
            raise HarnessError(f"{kernel} holds no boot/vmlinuz-*")
        shutil.copyfile(vmlinuz[0], self.image)
        if self.packages:
            with step(f"prepare-linux: {', '.join(self.packages)} and their Depends"):
                extra = self.with_depends()
                shutil.rmtree(self.sysroot, ignore_errors=True)
                for deb in _download(extra, self.dir / "debs-sysroot"):
                    _run(["dpkg-deb", "-x", str(deb), str(self.sysroot)], f"dpkg-deb -x {deb.name}")
                (self.sysroot / ".complete").write_text("\n".join(extra) + "\n")
        echo(f"kernel {self.image.relative_to(ROOT)} ({self.image.stat().st_size >> 20} MiB)")

    def kernel_release(self) -> str:
        """6.1.0-NN-ARCH: the folder of the kernel's modules."""
        return next((self.kernel_root / "lib" / "modules").iterdir()).name

    def modules(self) -> Path:
        """Where the kernel package's modules are (kernel/drivers/..., ...)."""
        return self.kernel_root / "lib" / "modules" / self.kernel_release() / "kernel"


ARM64 = DebianFiles("arm64")


def kernel_package() -> str:
    return ARM64.kernel_package()


# -- the newc cpio format (the kernel's initramfs format) --------------------
CPIO_MAGIC = "070701"
CPIO_TRAILER = "TRAILER!!!"
CPIO_ALIGN = 4
def _pad(n: int) -> bytes:
    return b"\0" * (-n % CPIO_ALIGN)


def cpio_entry(name: str, mode: int, data: bytes = b"", ino: int = 0) -> bytes:
    """One newc record: a 110-byte ASCII header, the name, then the data,
    each padded to 4 bytes."""
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
    header = (CPIO_MAGIC + "".join(f"{f:08x}" for f in fields)).encode()
    out = header + name.encode() + b"\0"
    out += _pad(len(out))
    return out + data + _pad(len(data))


def cpio_archive(entries: list[tuple[str, int, bytes]]) -> bytes:
    out = b"".join(cpio_entry(name, mode, data, ino)
                   for ino, (name, mode, data) in enumerate(entries, start=1))
    return out + cpio_entry(CPIO_TRAILER, 0)


def initramfs() -> Path:
    """build/linux-arm64/initramfs.cpio from the downloaded busybox:
    directories, busybox, /bin/sh for /init's first line, and /init, which
    lets busybox make its own applet links (`busybox --install -s`).
    Written only when it changes, so a build that includes it relinks only
    then."""
    dirmode, filemode, linkmode = stat.S_IFDIR | 0o755, stat.S_IFREG | 0o755, stat.S_IFLNK | 0o777
    entries = [(d, dirmode, b"") for d in INIT_DIRS]
    entries.append(("bin/busybox", filemode, (BUSYBOX_ROOT / "bin" / "busybox").read_bytes()))
    entries.append(("bin/sh", linkmode, b"busybox"))
    entries.append(("init", filemode, INIT_SCRIPT.encode()))
    archive = cpio_archive(entries)
    if not INITRAMFS.exists() or INITRAMFS.read_bytes() != archive:
        INITRAMFS.parent.mkdir(parents=True, exist_ok=True)
        INITRAMFS.write_bytes(archive)
    return INITRAMFS


def prepare(echo=print, if_missing: bool = False, files: "DebianFiles | None" = None) -> None:
    """Fetch and build the Linux guest's files (default: arm64's); with
    `if_missing`, only when they are not there yet (two test workers may
    both ask)."""
    files = files or ARM64
    if os.geteuid() != 0:
        raise HarnessError("prepare-linux needs root (dpkg --add-architecture, apt-get update): "
                           "run it with sudo")
    with exclusive(files.dir / ".lock"):
        if not (if_missing and not missing(files)):
            files.prepare(echo)
            if files is ARM64:
                echo(f"initramfs {initramfs().relative_to(ROOT)} "
                     f"({INITRAMFS.stat().st_size >> 10} KiB)")


# -- the guest's device tree ---------------------------------------------------
# What the guest keeps of the board's device tree: everything else (PCIe,
# virtio-mmio, fw-cfg, flash, RTC, GPIO, the PMU the hypervisor hides, the
# GIC's ITS) is dropped, so Linux never touches a device it has no mapping for.
GUEST_NODES = ("psci", "memory@", "pl011@", "intc@", "cpus", "timer", "apb-pclk", "chosen")
DROPPED_GIC_CHILDREN = ("its@",)
DROPPED_CHOSEN = ("kaslr-seed", "rng-seed")       # one boot like the next
DEFAULT_BOOTARGS = "console=ttyAMA0 earlycon panic=-1"
DTB_DUMP_NAME = "qemu-{machine}-smp{cpus}.dtb"


def dump_board_dtb(target, out: Path, cpus: int = 1) -> bytes:
    """QEMU's own device tree for the target's machine, as `dumpdtb` writes it."""
    argv = target.command(None, cpus=cpus, dumpdtb=out)
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0 or not out.exists():
        raise HarnessError(f"dumping QEMU's device tree failed: {r.stderr.strip()[-300:]}")
    return out.read_bytes()


def guest_dtb(board: bytes, ram_base: int, ram_size: int, initrd: tuple[int, int] | None,
              bootargs: str = DEFAULT_BOOTARGS) -> bytes:
    """The board's tree, cut down to the guest: its RAM only, the devices it
    may use, PSCI by SMC (trapped by HCR_EL2.TSC), and /chosen with the
    command line (none if it is empty, as QEMU's `-append ""`) and the
    initrd's guest-physical [start, end)."""
    root = fdt.parse(board)
    root.children = [n for n in root.children if n.name.startswith(GUEST_NODES)]
    for node in root.children:
        if node.name.startswith("memory@"):
            node.name = f"memory@{ram_base:x}"
            node.props["reg"] = fdt.u64_cells(ram_base, ram_size)
        elif node.name.startswith("intc@"):
            node.children = [c for c in node.children if not c.name.startswith(DROPPED_GIC_CHILDREN)]
        elif node.name == "psci":
            node.props["method"] = fdt.string("smc")
    chosen = root.add_child("chosen")
    for prop in DROPPED_CHOSEN:
        chosen.props.pop(prop, None)
    chosen.props.pop("bootargs", None)
    if bootargs:            # QEMU sets none for an empty -append: nor do we
        chosen.props["bootargs"] = fdt.string(bootargs)
    if initrd:
        chosen.props["linux,initrd-start"] = fdt.u64_cells(initrd[0])
        chosen.props["linux,initrd-end"] = fdt.u64_cells(initrd[1])
    return fdt.serialize(root)


def scenario_files(scenario, work_dir: Path) -> tuple[Path, Path]:
    """(kernel, initrd) of a Linux scenario: its own, else the prepared ones.
    A kernel given without an initrd and with none prepared gets an empty
    one (no linux,initrd-* in /chosen). A gzip-compressed kernel is
    decompressed first, as QEMU's loader does."""
    kernel = Path(scenario.kernel).resolve() if scenario.kernel else IMAGE
    if scenario.initrd:
        initrd = Path(scenario.initrd).resolve()
    elif not missing():
        initrd = initramfs()
    elif not scenario.kernel:
        raise NotPrepared(missing())
    else:
        initrd = work_dir / "empty.cpio"
        work_dir.mkdir(parents=True, exist_ok=True)
        initrd.write_bytes(b"")
    for path in (kernel, initrd):
        if not path.exists():
            raise HarnessError(f"{path}: no such file")
    return uncompressed(kernel, work_dir), initrd


GZIP_MAGIC = b"\x1f\x8b"


def uncompressed(kernel: Path, work_dir: Path) -> Path:
    """`kernel` itself, or for an Image.gz its contents (build/.../NAME):
    "on aarch64, it's the bootloader's job to uncompress the kernel"."""
    with open(kernel, "rb") as f:
        if f.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
            return kernel
    try:
        data = gzip.decompress(kernel.read_bytes())
    except (OSError, EOFError) as e:
        raise HarnessError(f"--kernel {kernel}: gzip-compressed, but not readable as gzip: "
                           f"{e}") from None
    out = work_dir / kernel.name.removesuffix(".gz")
    work_dir.mkdir(parents=True, exist_ok=True)
    if not out.exists() or out.read_bytes() != data:      # untouched: no relink
        out.write_bytes(data)
    return out


# -- where a kernel, its initramfs and its DTB go in guest RAM -----------------
DTB_MAX_SIZE = 2 << 20          # booting.rst: the DTB must not exceed 2 MiB
PAGE_SIZE = 4096
IMAGE_MAGIC_OFFSET = 56              # booting.rst: the 64-byte header ends with
IMAGE_MAGIC = b"ARM\x64"             # the magic, then a reserved word
IMAGE_HEADER = struct.Struct("<8xQQ")   # text_offset, image_size
IMAGE_BASE_ALIGN = 2 << 20
RAW_LOAD_OFFSET = 0x80000       # QEMU's KERNEL64_LOAD_ADDR (hw/arm/boot.c): a file with no
                                # Image header (or image_size 0) goes here, entered at byte 0
ELF_MAGIC = b"\x7fELF"


def blob_layout(ram_base: int, ram_size: int, initrd_size: int) -> tuple[int, int]:
    """(initrd_gpa, dtb_gpa): the DTB in the top 2 MiB of RAM, the
    initramfs right below it, page aligned (hv/linux_boot.c loads them)."""
    dtb_gpa = ram_base + ram_size - DTB_MAX_SIZE
    return (dtb_gpa - initrd_size) & ~(PAGE_SIZE - 1), dtb_gpa


def kernel_placement(head: bytes, file_size: int) -> tuple[str, int, int]:
    """(kind, offset from the 2 MiB aligned RAM base, bytes it needs), as
    QEMU's load_aarch64_image decides and hv/linux_boot.c does the same."""
    if head[IMAGE_MAGIC_OFFSET:IMAGE_MAGIC_OFFSET + len(IMAGE_MAGIC)] == IMAGE_MAGIC:
        text_offset, image_size = IMAGE_HEADER.unpack_from(head)
        if image_size:
            return "arm64 Image", text_offset, max(image_size, file_size)
    return "raw binary", RAW_LOAD_OFFSET, file_size


def check_image(path: Path, ram_base: int, ram_size: int, initrd_size: int) -> None:
    """Refuse, before building anything, a file this hypervisor cannot boot
    the way QEMU boots `-kernel`: what it accepts is an arm64 Image, or a
    raw binary (entered at its first byte), that fits below the initramfs."""
    if not path.is_file():
        raise HarnessError(f"--kernel {path}: no such file")
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(IMAGE_MAGIC_OFFSET + len(IMAGE_MAGIC))
    if size == 0:
        raise HarnessError(f"--kernel {path}: an empty file")
    if head.startswith(ELF_MAGIC):
        raise HarnessError(f"--kernel {path}: an ELF file, which QEMU would start at its ELF "
                           f"entry as bare metal; this boots an arm64 Image or a raw binary "
                           f"(objcopy -O binary {path.name} {path.stem}.bin)")
    kind, offset, needed = kernel_placement(head, size)
    start = (ram_base + IMAGE_BASE_ALIGN - 1) & ~(IMAGE_BASE_ALIGN - 1)
    initrd_gpa, _ = blob_layout(ram_base, ram_size, initrd_size)
    if start + offset + needed > initrd_gpa:
        raise HarnessError(f"--kernel {path}: a {kind} of {needed} bytes at RAM offset "
                           f"{offset:#x} does not fit below the initramfs at {initrd_gpa:#x} "
                           f"({ram_size >> 20} MiB of guest RAM)")


KERNEL_RAM_MIB = 256            # a --kernel VM's RAM


def kernel_scenario(kernel: str, initrd: str | None, append: str | None, cpus: int,
                    ram_base: int):
    """A scenario made on the spot for `boot --kernel`: an arm64 Image or a
    raw binary. Only the hypervisor's loading line is expected (a `quiet`
    kernel prints nothing); then, from a terminal, the console is yours,
    else the shell session of run_commands() runs, if a shell prompt comes
    within the run's time (a program with no shell may simply power off)."""
    from .scenario import Scenario
    if initrd is not None and not Path(initrd).is_file():
        raise HarnessError(f"--initrd {initrd}: no such file")
    s = Scenario(name="kernel", description=f"the kernel {kernel}",
                 vms={"linux": GUEST}, vcpus={"linux": cpus}, ram_mib={"linux": KERNEL_RAM_MIB},
                 console_vm="linux", interactive=True,
                 expect={"hv": ["re:vm 'linux': (Linux Image|raw binary) at gpa"]},
                 forbid=["PANIC", "stopped: unhandled", "Kernel panic"], timeout=300, silence=60,
                 prompt_timeout=300, kernel=kernel, initrd=initrd, append=append,
                 arches=["arm64"])
    path = Path(kernel)
    if path.is_file():
        work = BUILD / "arm64" / "linux"
        initrd_size = scenario_files(s, work)[1].stat().st_size
        path = uncompressed(path.resolve(), work)
    else:
        initrd_size = 0
    check_image(path, ram_base, KERNEL_RAM_MIB << 20, initrd_size)
    return s


def direct_command(target, kernel: Path, initrd: Path | None, append: str) -> list[str]:
    """QEMU booting `kernel` itself, with no hypervisor: the same machine
    with virtualization off, so that the kernel starts at EL1 as under the
    hypervisor (what `run what QEMU runs` compares against)."""
    bare = dataclasses.replace(target, emulator=dict(target.emulator, machine_options={
        k: v for k, v in target.emulator["machine_options"].items() if k != "virtualization"}))
    return bare.command(kernel) + (["-initrd", str(initrd)] if initrd else []) + \
        ["-append", append]


# -- talking to the guest's shell ------------------------------------------------
PROMPT = "/ # "
SHELL_TIMEOUT = 60               # seconds for one command's answer under TCG
POWER_OFF = "poweroff -f"        # busybox: reboot(2) at once, which ends in PSCI SYSTEM_OFF
ANSI_ESCAPE = re.compile(r"(\x1b|\?)\[[0-9;?]*[A-Za-z]")   # raw, or as an emulated UART shows it


CTRL_A = "\x01"                  # then a VM's number: typed input goes to that VM
READY = "lab-shell-ready"         # what a VM's shell echoes before commands are typed


def switch_console(child, vm: str, index: int) -> None:
    """Give what is typed to VM `vm`, number `index` (its place in the
    scenario): the hypervisor routes typed input to one VM, the console
    owner, and Ctrl-A then a number changes it (hv/vconsole.c)."""
    child.send(CTRL_A + str(index))
    child.expect_exact(f"hv: console input goes to vm '{vm}'", timeout=SHELL_TIMEOUT)


def _answer(text: str, command: str, vm: str | None) -> str:
    """What a command printed: its lines (for a VM with an emulated UART,
    the "[vm] " ones, unprefixed; another VM's and the hypervisor's
    dropped), without the shell's echo of the command."""
    lines = ANSI_ESCAPE.sub("", text).replace("\r", "").split("\n")
    if vm:
        prefix = f"[{vm}] "
        lines = lines[:1] + [line[len(prefix):] for line in lines[1:] if line.startswith(prefix)]
    if lines and lines[0].strip().endswith(command):
        lines = lines[1:]                       # the shell's echo of the command
    return "\n".join(lines).strip()


def run_commands(child, commands: list[str], power_off: str | None = POWER_OFF,
                 first_prompt: float = SHELL_TIMEOUT, shell_optional: bool = False,
                 vm: str | None = None) -> list[tuple[str, str]]:
    """Type each command at the shell prompt and collect what it printed,
    then power the guest off (unless `power_off` is None). `child` is the
    emulator under pexpect. The first prompt may take `first_prompt`
    seconds (a long-running guest's own limit: the scenario's
    prompt_timeout); with `shell_optional`, a guest that ends before any
    prompt had no shell: nothing is typed. `vm`: a VM with an emulated UART
    (its lines "[vm] ..."), to which typed input goes already
    (switch_console): its shell first echoes a word, so that what comes
    after is its answer to what is typed next, not an old prompt."""
    prompt = f"[{vm}] {PROMPT}" if vm else PROMPT
    if vm:
        child.sendline(f"echo {READY}")
        child.expect_exact(f"[{vm}] {READY}", timeout=first_prompt)
    first = child.expect_exact([prompt, pexpect.EOF] if shell_optional else prompt,
                               timeout=first_prompt)
    if first == 1:
        return []
    answers = []
    for command in commands:
        child.sendline(command)
        child.expect_exact(prompt, timeout=SHELL_TIMEOUT)
        answers.append((command, _answer(child.before, command, vm)))
    if power_off is not None:
        child.sendline(power_off)
    return answers


def timer_interrupts(proc_interrupts: str) -> int:
    """The arch_timer line's count on CPU 0 in /proc/interrupts."""
    for line in proc_interrupts.splitlines():
        if "arch_timer" in line:
            return int(line.split()[1])
    raise ValueError("no arch_timer line in /proc/interrupts:\n" + proc_interrupts)
