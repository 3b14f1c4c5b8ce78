"""Targets hosted-svm and hosted-vmx: the hosted hypervisor (hosted/, a Linux
module) moves Debian's running amd64 kernel into a VM of its own. The
module is built here against Debian's linux-headers package of the very
kernel the machine boots (both named by linux.DebianFiles from
`apt-cache depends linux-image-amd64`), and goes into a busybox initramfs
with hosted-probe, a static program that reads the hypervisor's CPUID leaf
and makes hypercalls from user space. /init loads and unloads the module
`lab.cycles=N` times, with a workload and the probe's answers in between,
then prints dmesg: one boot holds every check (tests/test_hosted.py).

Made here (never committed): build/hosted/module/ (a copy of hosted/, where
Kbuild writes its objects), build/hosted/hosted-probe and
build/hosted/MACHINE/initramfs.cpio."""
import dataclasses
import filecmp
import shutil
import stat
import subprocess
from pathlib import Path

from . import BUILD, ROOT, HarnessError, kvm_svm, linux
from .deps import ensure_packages

SOURCE = ROOT / "hosted"
OUT = BUILD / "hosted"
MODULE_DIR = OUT / "module"
MODULE = MODULE_DIR / "hosted.ko"
PROBE = OUT / "hosted-probe"
SEQ_LINES = 20_000              # the file-I/O workload: `seq 1 N`, copied and compared
FORKS = 40                      # the fork/exec workload, on each CPU
DONE_MARKER = "lab: hosted: done, powering off"
EXITS_BEGIN, EXITS_END = "lab: exits begin", "lab: exits end"
DMESG_BEGIN, DMESG_END = "lab: dmesg begins", "lab: dmesg ends"
MACHINE_CMDLINE = "console=ttyS0 panic=-1 quiet"


@dataclasses.dataclass(frozen=True)
class Machine:
    """One way to boot the machine: the emulator's CPU and how many."""
    name: str
    cpu: str
    smp: int
    icount: bool                # -icount shift=0: RDTSC counts instructions
    description: str


MACHINES = {
    # Two CPUs, so that every CPU must be brought in and out. QEMU 7.2 hangs
    # bringing up the second x86 CPU under -icount (at "x86: Booting SMP
    # configuration", for over 80 s here), so this machine runs on QEMU's
    # own clock: no verdict depends on time, only on counts and answers.
    "hosted-svm": Machine("hosted-svm", "qemu64,+svm,+npt", 2, False,
                          "the hosted module on Debian's amd64 Linux, QEMU TCG with AMD-V"),
    # One CPU under -icount: the figures of `./lab bench --target hosted-svm`
    "hosted-svm-icount": Machine("hosted-svm-icount", "qemu64,+svm,+npt", 1, True,
                                 "the same, one CPU, counting instructions"),
    "hosted-svm-nosvm": Machine("hosted-svm-nosvm", "qemu64,-svm", 1, False,
                                "the same machine without AMD-V: the module must refuse"),
}


def headers_package() -> str:
    """linux-headers-RELEASE of the kernel the machine boots: the release
    comes from the downloaded kernel package (prepare-linux fetched the one
    `apt-cache depends linux-image-amd64` names), so the two always match;
    before that download, the one that command names now (`./lab setup`)."""
    if not kvm_svm.AMD64.missing():
        return f"linux-headers-{kvm_svm.AMD64.kernel_release()}"
    kernel = kvm_svm.AMD64.kernel_package()           # linux-image-6.1.0-NN-amd64:amd64
    return kernel.split(":")[0].replace("linux-image-", "linux-headers-", 1)


def headers_dir() -> Path:
    return Path("/usr/src") / headers_package()


def missing() -> str | None:
    return kvm_svm.missing()


def _sync_sources() -> None:
    """hosted/ into build/hosted/module/: Kbuild writes next to its sources."""
    MODULE_DIR.mkdir(parents=True, exist_ok=True)
    for src in sorted(SOURCE.rglob("*")):
        if src.is_dir():
            continue
        dst = MODULE_DIR / src.relative_to(SOURCE)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists() or not filecmp.cmp(src, dst, shallow=False):
            shutil.copyfile(src, dst)


def _run(cmd: list[str], what: str) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise HarnessError(f"{what} failed:\n" + (r.stdout + r.stderr)[-3000:])


def build(echo=print) -> tuple[Path, Path]:
    """(hosted.ko, hosted-probe), built against the machine's kernel headers
    (installed as root, by package name, when missing)."""
    if missing():
        raise linux.NotPrepared(missing())
    ensure_packages([headers_package()], echo)
    if not headers_dir().is_dir():
        raise HarnessError(f"{headers_dir()}: not there after installing {headers_package()}")
    _sync_sources()
    _run(["make", "-s", "-C", str(headers_dir()), f"M={MODULE_DIR}", f"LAB_ROOT={ROOT}",
          "modules"], f"building the module against {headers_package()}")
    _run(["gcc", "-static", "-O2", "-Wall", "-Werror", f"-I{SOURCE}", "-o", str(PROBE),
          str(SOURCE / "probe.c")], "building hosted-probe")
    return MODULE, PROBE


def init_script() -> str:
    """/init: `lab.cycles=N` rounds of insmod, the probe on every CPU, the
    workload, the exit counts and rmmod; then dmesg, and power off."""
    return f"""#!/bin/sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
arg() {{ sed -n "s/.*lab\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }}
cpus=$(nproc)
last=$((cpus - 1))
echo "lab: hosted: $cpus CPUs online"
probe_all() {{ for c in $(seq 0 $last); do hosted-probe cpuid $c; done; }}
workload() {{
    for c in $(seq 0 $last); do
        ran=0; i=0
        while [ $i -lt {FORKS} ]; do taskset -c $c /bin/busybox true && ran=$((ran + 1)); i=$((i + 1)); done
        echo "lab: workload: cpu $c ran $ran of {FORKS} programs"
    done
    seq 1 {SEQ_LINES} > /tmp/seq && cp /tmp/seq /tmp/copy && sync
    echo "lab: workload: file $(md5sum < /tmp/copy | cut -d' ' -f1) $(cmp /tmp/seq /tmp/copy && echo same)"
    t0=$(cut -d' ' -f1 /proc/uptime); sleep 1; t1=$(cut -d' ' -f1 /proc/uptime)
    echo "lab: workload: slept from $t0 to $t1"
}}
probe_all
for n in $(seq 1 $(arg cycles)); do
    echo "lab: cycle $n: insmod"
    insmod /lib/hosted.ko || {{ echo "lab: cycle $n: insmod refused"; probe_all; break; }}
    echo "lab: cycle $n: loaded"
    probe_all
    workload
    for c in $(seq 0 $last); do hosted-probe stats $c; done
    [ -n "$(arg bench)" ] && for c in $(seq 0 $last); do hosted-probe bench $c $(arg bench); done
    echo "{EXITS_BEGIN}"; cat /sys/kernel/hosted/exits; echo "{EXITS_END}"
    rmmod hosted && echo "lab: cycle $n: unloaded"
    probe_all
done
echo "{DMESG_BEGIN}"; dmesg; echo "{DMESG_END}"
echo "{DONE_MARKER}"
poweroff -f
"""


def initramfs(machine: Machine) -> Path:
    module, probe = build(echo=lambda *_: None)
    files = kvm_svm.AMD64
    entries = [(d, kvm_svm.DIRMODE, b"") for d in linux.INIT_DIRS + ["lib"]]
    entries += [("bin/busybox", kvm_svm.FILEMODE,
                 (files.busybox_root / "bin" / "busybox").read_bytes()),
                ("bin/sh", kvm_svm.LINKMODE, b"busybox"),
                ("bin/hosted-probe", kvm_svm.FILEMODE, probe.read_bytes()),
                ("lib/hosted.ko", stat.S_IFREG | 0o644, module.read_bytes()),
                ("init", kvm_svm.FILEMODE, init_script().encode())]
    return kvm_svm._write(OUT / machine.name / "initramfs.cpio", linux.cpio_archive(entries))


def launch(machine: Machine, run_dir: Path, cycles: int, bench: int = 0):
    """QEMU (TCG, -icount) booting the machine with the module inside."""
    from .target import load_target
    base = load_target("kvm-svm")
    target = dataclasses.replace(base, emulator=dict(base.emulator, cpu=machine.cpu,
                                                     smp=machine.smp, icount=machine.icount))
    append = f"{MACHINE_CMDLINE} lab.cycles={cycles}" + (f" lab.bench={bench}" if bench else "")
    return target.launch(kvm_svm.AMD64.image, run_dir, initrd=initramfs(machine), append=append)


def scenario(machine: Machine, timeout: float = 600):
    """The boot as one console check: /init's end seen, no panic."""
    from .scenario import Scenario
    return Scenario(name=machine.name, vms={"machine": "machine"}, console_vm="machine",
                    expect={"machine": ["lab: hosted:", DONE_MARKER]},
                    forbid=["Kernel panic", "Oops", "BUG:", "general protection fault"],
                    timeout=timeout, silence=180)


def run(machine_name: str, log: Path, cycles: int = 1, bench: int = 0, echo: bool = False):
    from . import console
    machine = MACHINES[machine_name]
    return console.run(launch(machine, cycles=cycles, bench=bench, run_dir=log.with_suffix(".run")),
                       scenario(machine), log, echo=echo, cwd=ROOT)


def between(lines: list[str], begin: str, end: str) -> list[list[str]]:
    """Each stretch of lines between `begin` and `end` markers."""
    out, current = [], None
    for line in lines:
        if line == begin:
            current = []
        elif line == end and current is not None:
            out.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return out


def exit_tables(lines: list[str]) -> list[dict[int, dict[str, int]]]:
    """Each /sys/kernel/hosted/exits read: {cpu: {class: count}}."""
    tables = []
    for stretch in between(lines, EXITS_BEGIN, EXITS_END):
        header = stretch[0].split()[1:]
        tables.append({int(w[0]): dict(zip(header, map(int, w[1:])))
                       for w in (row.split() for row in stretch[1:]) if w})
    return tables
