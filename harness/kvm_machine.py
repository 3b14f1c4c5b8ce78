"""Targets kvm-svm and kvm-arm64: the KVM VMM one level down. QEMU (TCG,
-icount) boots Debian's kernel (amd64 on an AMD-V CPU, or arm64 at EL2 on
the virt board) with an initramfs that holds Debian's own Python of that
architecture, busybox, the kvm modules where KVM is one (amd64: irqbypass,
ccp, kvm, kvm-amd; arm64 builds KVM in), the vmm/ package and the lab's
guests built for the kvm board; /init runs the VMM there, so every figure
counts instructions. The same kernel is also the VMM's own Linux guest,
booted to a shell on a busybox initramfs with a virtio disk as /dev/vda.
What differs between the two machines is one Machine each (MACHINES).

What /init runs comes from the kernel command line: `lab.run=NAME,...`
those scenarios, `lab.run=all` every one in turn (one boot for the suite: a
boot costs about 35 s under TCG), then the Linux guest's shell when
`lab.shell` is given. Each scenario's lines sit between
"lab: scenario NAME begins" and "lab: scenario NAME ended, vmm status N".

Downloads: downloads/linux-ARCH/ (linux.DebianFiles); made here:
build/TARGET/initramfs.cpio and build/TARGET/guest.cpio."""
import os
import re
import shlex
import sys
import stat
from dataclasses import dataclass
from pathlib import Path

from . import BUILD, ROOT, HarnessError, linux

PYTHON_PACKAGES = ("python3.11-minimal", "libpython3.11-stdlib")
# needed by maintainer scripts or for MIME tables, never by the VMM at run time
PYTHON_DEPENDS_SKIP = ("dpkg", "tar", "install-info", "perl", "perl-base", "perl-modules-5.36",
                       "libperl5.36", "mailcap", "media-types", "mime-support", "readline-common",
                       "libgdbm-compat4")
PYTHON_SKIP = ("test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "pydoc_data",
               "unittest", "distutils", "__pycache__", "gconv", "share")


@dataclass(frozen=True)
class Machine:
    """What one target's emulated Linux machine is made of."""
    target: str
    files: linux.DebianFiles    # kernel, busybox, Python: fetched by package name
    triplet: str                # Debian's multiarch name of the architecture
    console: str                # the machine's (and the VMM's Linux guest's) serial console
    kvm_modules: tuple          # insmod'ed in this order (each needs the one before)
    guest_modules: tuple        # the VMM's Linux guest's virtio drivers
    guest_cmdline: str
    guest_devices: str = ""     # more of the VMM's options for its Linux guest

    @property
    def out(self) -> Path:
        return BUILD / self.target

    @property
    def python_skip(self) -> tuple:
        return PYTHON_SKIP + (f"config-3.11-{self.triplet}",
                              f"_ctypes_test.cpython-311-{self.triplet}.so")


AMD64 = linux.DebianFiles("amd64", packages=PYTHON_PACKAGES, skip=PYTHON_DEPENDS_SKIP)
ARM64 = linux.DebianFiles("arm64", packages=PYTHON_PACKAGES, skip=PYTHON_DEPENDS_SKIP)
MACHINES = {
    "kvm-svm": Machine(
        "kvm-svm", AMD64, "x86_64-linux-gnu", "ttyS0",
        kvm_modules=("virt/lib/irqbypass.ko", "drivers/crypto/ccp/ccp.ko", "arch/x86/kvm/kvm.ko",
                     "arch/x86/kvm/kvm-amd.ko"),
        guest_modules=("drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio.ko",
                       "drivers/virtio/virtio_mmio.ko", "drivers/block/virtio_blk.ko"),
        # noapic: the guest's interrupts go through KVM's in-kernel 8259s; with
        # the IOAPIC and its local APIC timer the guest's shell hangs on its
        # first command here (not understood yet: see docs/vmm.md)
        guest_cmdline="console=ttyS0 reboot=k panic=-1 pci=off quiet noapic i8042.noaux "
                      "i8042.nokbd"),
    "kvm-arm64": Machine(
        "kvm-arm64", ARM64, "aarch64-linux-gnu", "ttyAMA0",
        kvm_modules=(),                 # CONFIG_KVM=y: arm64's KVM is no module
        guest_modules=("drivers/virtio/virtio_mmio.ko", "drivers/block/virtio_blk.ko",
                       "drivers/char/virtio_console.ko"),
        guest_cmdline="console=ttyAMA0 panic=-1 quiet",
        guest_devices="--virtio-console"),
}
PYTHON_VERSION = (3, 11)                # Debian 12's: its .pyc files are ours when we are 3.11 too
PYC_DIR = BUILD / "vmm-pyc"             # compiled once here: Python under TCG then starts faster
SCENARIO_BEGIN = "lab: scenario {name} begins"
SCENARIO_END = "lab: scenario {name} ended, vmm status "
SHELL_MARKER = "lab: the VMM's Linux guest, with a virtio disk"
DONE_MARKER = "lab: /init is done, powering off"
LINUX_BOOT_ARG = "lab.linuxboot"        # the VMM boots its Linux guest to /init only (bench)
DISK_MIB = 8
DIRMODE, FILEMODE, LINKMODE = stat.S_IFDIR | 0o755, stat.S_IFREG | 0o755, stat.S_IFLNK | 0o777


def machine(target) -> Machine:
    """The machine of `target` (a Target or its name)."""
    return MACHINES[getattr(target, "name", target)]


def missing(target) -> str | None:
    m = machine(target)
    gone = m.files.missing()
    return (f"the {m.target} machine is not prepared ({', '.join(gone)} missing under "
            f"{m.files.dir.relative_to(ROOT)}/): run `./lab prepare-linux --arch "
            f"{m.files.deb_arch}` as root") if gone else None


def _pyc(source: Path, name: str) -> tuple[str, int, bytes]:
    """`source` compiled for Python 3.11, as __pycache__/X.cpython-311.pyc
    beside it: unchecked-hash, since the initramfs keeps no modification
    times to check against (PEP 552)."""
    import py_compile
    rel = Path(name)
    pyc_name = str(rel.parent / "__pycache__" / f"{rel.stem}.cpython-311.pyc")
    cached = PYC_DIR / pyc_name
    if not cached.exists() or cached.stat().st_mtime < source.stat().st_mtime:
        cached.parent.mkdir(parents=True, exist_ok=True)
        py_compile.compile(str(source), cfile=str(cached), dfile="/" + name, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return pyc_name, stat.S_IFREG | 0o644, cached.read_bytes()


def _tree(root: Path, prefix: str, skip=()) -> list[tuple[str, int, bytes]]:
    """Every directory, file and symbolic link under `root`, as cpio entries,
    each Python module with its compiled form (the same Python 3.11)."""
    entries, caches = [(prefix, DIRMODE, b"")], set()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in skip for part in rel.parts):
            continue
        name = f"{prefix}/{rel}".lstrip("/")
        if path.is_symlink():
            entries.append((name, LINKMODE, os.readlink(path).encode()))
        elif path.is_dir():
            entries.append((name, DIRMODE, b""))
        else:
            entries.append((name, FILEMODE if os.access(path, os.X_OK) else stat.S_IFREG | 0o644,
                            path.read_bytes()))
            if path.suffix == ".py" and sys.version_info[:2] == PYTHON_VERSION:
                pyc = _pyc(path, name)
                cache_dir = str(Path(pyc[0]).parent)
                if cache_dir not in caches:
                    caches.add(cache_dir)
                    entries.append((cache_dir, DIRMODE, b""))
                entries.append(pyc)
    return entries


def guest_initramfs(m: Machine) -> Path:
    """The VMM's Linux guest: busybox, the virtio modules (Debian builds them
    as modules) and an /init that loads them, says so and starts a shell."""
    modules = m.files.modules()
    names = " ".join(Path(p).name for p in m.guest_modules)
    init = ("#!/bin/sh\nexport PATH=/bin\n/bin/busybox --install -s /bin\n"
            "mount -t proc proc /proc\nmount -t sysfs sysfs /sys\n"
            "mount -t devtmpfs devtmpfs /dev\n"
            f"for m in {names}; do insmod /modules/$m; done\n"
            f"echo \"{linux.INIT_MARKER}\"\n"
            f"case \" $(cat /proc/cmdline) \" in *\" {linux.POWER_OFF_ARG} \"*) exec poweroff -f;; esac\n"
            "exec setsid cttyhack /bin/sh\n")
    entries = [(d, DIRMODE, b"") for d in linux.INIT_DIRS + ["modules"]]
    entries += [(f"modules/{Path(p).name}", stat.S_IFREG | 0o644, (modules / p).read_bytes())
                for p in m.guest_modules]
    entries += [("bin/busybox", FILEMODE, (m.files.busybox_root / "bin" / "busybox").read_bytes()),
                ("bin/sh", LINKMODE, b"busybox"), ("init", FILEMODE, init.encode())]
    return _write(m.out / "guest.cpio", linux.cpio_archive(entries))


def scenario_command(vms: list[dict], vmm: dict) -> str:
    """The VMM's command line inside the machine (guests under /lab/guests)."""
    argv = ["python3", "-m", "vmm", "run"]
    for vm in vms:
        argv += ["--vm", f"{vm['name']}=/lab/guests/{Path(vm['image']).name}"
                 + (",real-mode" if vm["from_reset"] else "")]
        if vm.get("params"):
            argv += ["--param", f"{vm['name']}=" + ",".join(map(str, vm["params"]))]
    if vmm.get("disk_mib"):
        argv += ["--disk", "/tmp/disk.img" + (",ro" if vmm.get("disk_ro") else "")]
    if vmm.get("virtio_console"):
        argv.append("--virtio-console")
    return shlex.join(argv + ["--notify", vmm.get("notify", "ioeventfd")])


def init_script(m: Machine, scenarios: list[tuple[str, str, int]]) -> str:
    """/init: load KVM, then what lab.run= and lab.shell on the command line ask."""
    cases = "".join(
        f"run_scenario {shlex.quote(name)} {disk} {shlex.quote(command)}\n"
        for name, command, disk in scenarios)
    return f"""#!/bin/sh
export PATH=/bin:/usr/bin PYTHONPATH=/lab PYTHONDONTWRITEBYTECODE=1
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
for m in {' '.join(Path(p).name for p in m.kvm_modules)}; do insmod /lab/modules/$m || echo "lab: insmod $m failed"; done
echo "lab: KVM is $(test -c /dev/kvm && echo up || echo missing)"
cd /lab
run_scenario() {{        # NAME DISK_MIB COMMAND: if lab.run= names it (a comma-separated list, or all)
    run=$(sed -n 's/.*lab\\.run=\\([^ ]*\\).*/\\1/p' /proc/cmdline)
    case ",$run," in *,all,*|*,$1,*) ;; *) return;; esac
    rm -f /tmp/disk.img; [ "$2" -gt 0 ] && dd if=/dev/zero of=/tmp/disk.img bs=1M count=$2 2>/dev/null
    echo "{SCENARIO_BEGIN.format(name='$1')}"
    sh -c "$3"
    echo "{SCENARIO_END.format(name='$1')}$?"
}}
{cases}case " $(cat /proc/cmdline) " in *" lab.shell "*|*" {LINUX_BOOT_ARG} "*)
    guest_cmdline="{m.guest_cmdline}"     # lab.linuxboot: not quiet, and /init powers off at once
    grep -q " {LINUX_BOOT_ARG}" /proc/cmdline && guest_cmdline="$(echo "$guest_cmdline" | sed 's/ quiet//') {linux.POWER_OFF_ARG}"
    dd if=/dev/zero of=/tmp/disk.img bs=1M count={DISK_MIB} 2>/dev/null
    echo "{SHELL_MARKER}"
    python3 -m vmm run --kernel /lab/vmlinuz --initrd /lab/guest.cpio --disk /tmp/disk.img --mem 256M {m.guest_devices} --cmdline "$guest_cmdline"
    echo "{SCENARIO_END.format(name='shell')}$?";;
esac
echo "{DONE_MARKER}"
poweroff -f
"""


def initramfs(m: Machine, build, scenarios) -> Path:
    """build/TARGET/initramfs.cpio: everything /init needs, for `scenarios`
    (the target's, built by `build`); written only when it changes."""
    if missing(m.target):
        raise linux.NotPrepared(missing(m.target))
    modules, files = m.files.modules(), m.files
    entries = [(d, DIRMODE, b"") for d in linux.INIT_DIRS + [
        "usr", "usr/bin", "usr/lib", "lib", "lib64", "lab", "lab/modules", "lab/guests"]]
    entries += [("bin/busybox", FILEMODE, (files.busybox_root / "bin" / "busybox").read_bytes()),
                ("bin/sh", LINKMODE, b"busybox")]
    for top in ("usr/bin", "usr/lib", "lib", "lib64"):
        if (files.sysroot / top).exists():
            entries += _tree(files.sysroot / top, top, m.python_skip)
    entries.append(("usr/bin/python3", LINKMODE, b"python3.11"))
    entries += [(f"lab/modules/{Path(p).name}", stat.S_IFREG | 0o644, (modules / p).read_bytes())
                for p in m.kvm_modules]
    entries += _tree(ROOT / "vmm", "lab/vmm", ("__pycache__",))
    cases = []
    for s in scenarios:
        vms = build.vm_entries(s)
        cases.append((s.name, scenario_command(vms, s.vmm), s.vmm.get("disk_mib") or 0))
    for g in sorted({g for s in scenarios for g in s.vms.values()}):
        entries.append((f"lab/guests/{g}.bin", stat.S_IFREG | 0o644,
                        build.guest_binary(g).read_bytes()))
    entries += [("lab/vmlinuz", stat.S_IFREG | 0o644, files.image.read_bytes()),
                ("lab/guest.cpio", stat.S_IFREG | 0o644, guest_initramfs(m).read_bytes()),
                ("init", FILEMODE, init_script(m, cases).encode())]
    return _write(m.out / "initramfs.cpio", linux.cpio_archive(_dedup(entries)))


def _dedup(entries):
    seen, out = set(), []
    for e in entries:
        if e[0] not in seen:
            seen.add(e[0])
            out.append(e)
    return out


def _write(path: Path, data: bytes) -> Path:
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path


def prepare(target, echo=print, if_missing: bool = False) -> None:
    linux.prepare(echo, if_missing, files=machine(target).files)


# -- booting it ------------------------------------------------------------------------
MACHINE_CMDLINE = "console={console} panic=-1 quiet"
STATUS_RE = r"lab: scenario \S+ ended, vmm status (\d+)"


def is_machine(target) -> bool:
    """A target whose VMM runs inside an emulated Linux machine (MACHINES)."""
    return target.name in MACHINES


def launch(target, build, run: str, run_dir: Path, shell: bool = False,
           linux_boot: bool = False):
    """QEMU booting the machine; /init runs scenario `run` ("all": every
    one), then with `shell` the VMM's Linux guest (with `linux_boot`, to
    its /init, which powers off)."""
    from .scenario import load_scenarios, runnable
    m = machine(target)
    if missing(target):
        raise linux.NotPrepared(missing(target))
    scenarios = runnable(load_scenarios(target.arch, target.name))
    build.run(scenarios, echo=False)
    initrd = initramfs(m, build, scenarios)
    append = MACHINE_CMDLINE.format(console=m.console) + f" lab.run={run}" + \
        (" lab.shell" if shell else "") + (f" {LINUX_BOOT_ARG}" if linux_boot else "")
    return target.launch(m.files.image, run_dir, initrd=initrd, append=append,
                         status_line=None if run == "all" or "," in run else STATUS_RE)


# -- one boot for the whole suite ---------------------------------------------------
SUITE_TIMEOUT = 1200            # seconds of wall time: a hang guard, many times a run


def suite_scenario(target, shell: bool = False):
    """The whole machine's run as one console check: KVM up, /init done (or,
    with `shell`, the VMM's Linux guest at its shell, where a session types);
    each scenario's own lines are checked by check_section."""
    from .scenario import Scenario
    last = [SHELL_MARKER, linux.INIT_MARKER] if shell else [DONE_MARKER]
    return Scenario(name=f"{target.name}-all", vms={"machine": "machine"}, console_vm="machine",
                    expect={"machine": ["lab: KVM is up"] + last}, interactive=shell,
                    forbid=["Kernel panic", "Traceback", "lab: insmod", "Oops"],
                    timeout=SUITE_TIMEOUT, silence=300)


def sections(lines: list[str]) -> dict[str, tuple[list[str], int | None]]:
    """Each scenario's console lines and the VMM's status, from the markers."""
    out, name, current = {}, None, []
    begin = re.compile(r"^lab: scenario (\S+) begins$")
    end = re.compile(r"^lab: scenario (\S+) ended, vmm status (\d+)$")
    for line in lines:
        if m := begin.match(line):
            name, current = m[1], []
        elif (m := end.match(line)) and m[1] == name:
            out[name] = (current, int(m[2]))
            name = None
        elif name:
            current.append(line)
    if name:
        out[name] = (current, None)
    return out


def check_section(scenario, lines: list[str], status: int | None) -> str | None:
    """What `scenario` expects of its lines and the VMM's status, or None."""
    from .console import Matcher, check_transcript
    matcher = Matcher(scenario)
    for line in lines:
        bad = matcher.feed(line)
        if bad:
            return f"forbidden line {bad!r}: {line!r}"
    if not matcher.done():
        return f"waiting for {matcher.awaiting()}"
    if status is None:
        return "the VMM never ended"
    if status != (scenario.exit_status or 0):
        return f"the VMM exited with status {status}, expected {scenario.exit_status or 0}"
    return check_transcript(scenario, lines)


def run_all(target, build, log: Path, echo: bool = False, names: list[str] | None = None,
            session=None):
    """Boot once, run every scenario (or those `names`), then with `session`
    the VMM's Linux guest, into whose shell session(child) types; returns
    (result, {scenario: problem})."""
    from . import console
    from .scenario import load_scenarios, runnable
    scenarios = [s for s in runnable(load_scenarios(target.arch, target.name))
                 if names is None or s.name in names]
    launch_ = launch(target, build, ",".join(names) if names else "all", log.with_suffix(".run"),
                     shell=session is not None)
    result = console.run(launch_, suite_scenario(target, session is not None), log, echo=echo, cwd=ROOT,
                         session=session)
    found = sections(result.lines)
    problems = {}
    for s in scenarios:
        lines, status = found.get(s.name, ([], None))
        problem = check_section(s, lines, status) if s.name in found else "never ran"
        if problem:
            problems[s.name] = problem
    return result, problems


def linux_boot(target, build, log: Path):
    """Boot the machine to the VMM's Linux guest and that guest to its
    /init (which powers off at once): the kernel's own timestamps then
    date its boot (a benchmark, harness/bench.py)."""
    from . import console
    from .scenario import Scenario
    launch_ = launch(target, build, "none", log.with_suffix(".run"), linux_boot=True)
    check = Scenario(name=f"{target.name}-linux-boot", vms={"machine": "machine"},
                     console_vm="machine", expect={"machine": [
                         "lab: KVM is up", SHELL_MARKER, "Run /init as init process",
                         "hv: vm 'linux' stopped: powered off", DONE_MARKER]},
                     forbid=["Kernel panic", "Traceback", "Oops"], timeout=SUITE_TIMEOUT,
                     silence=300)
    return console.run(launch_, check, log, echo=False, cwd=ROOT)
