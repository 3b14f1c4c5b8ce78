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
Kbuild writes its objects, with the VMCS field table generated from
arch_x86_64/vmx/vmcs_fields.toml), build/hosted/hosted-probe and
build/hosted/MACHINE/initramfs.cpio."""
import contextlib
import dataclasses
import os
import re
import threading
import filecmp
import shutil
import stat
import subprocess
from pathlib import Path

from . import BUILD, ROOT, HarnessError, kvm_machine, linux
from .build import vmcs_fields, write_if_changed
from .deps import ensure_packages
from .templates import render

SOURCE = ROOT / "hosted"
OUT = BUILD / "hosted"
MODULE_DIR = OUT / "module"
MODULE = MODULE_DIR / "hosted.ko"
PROBE = OUT / "hosted-probe"
# Kbuild runs under make; the probe is linked -static (libc.a is libc6-dev's)
BUILD_PACKAGES = ["make", "libc6-dev"]
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
    icount: bool                # -icount shift=0: RDTSC counts instructions (Bochs: always)
    description: str
    emulator: str = "qemu"      # or "bochs", booting GRUB from a CD image


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
    # VT-x: Bochs (QEMU's TCG has no VMX), one CPU, GRUB loading the kernel
    # and initramfs from a CD image; RDTSC counts instructions there
    "hosted-vmx": Machine("hosted-vmx", "corei7_skylake_x", 1, True,
                          "the hosted module on Debian's amd64 Linux, Bochs with VT-x",
                          emulator="bochs"),
}
BOCHS_MEMORY_MIB = "256"
EMULATOR_TARGET = {"qemu": "kvm-svm", "bochs": "vmx"}     # whose emulator table each borrows
GRUB_CFG = """set timeout=0
set default=0
menuentry "Debian's amd64 Linux with the hosted module" {{
\tlinux /boot/bzImage {append}
\tinitrd /boot/initrd
\tboot
}}
"""


def headers_package() -> str:
    """linux-headers-RELEASE of the kernel the machine boots: the release
    comes from the downloaded kernel package (prepare-linux fetched the one
    `apt-cache depends linux-image-amd64` names), so the two always match;
    before that download, the one that command names now (`./lab setup`)."""
    if not kvm_machine.AMD64.missing():
        return f"linux-headers-{kvm_machine.AMD64.kernel_release()}"
    kernel = kvm_machine.AMD64.kernel_package()           # linux-image-6.1.0-NN-amd64:amd64
    return kernel.split(":")[0].replace("linux-image-", "linux-headers-", 1)


def headers_dir() -> Path:
    return Path("/usr/src") / headers_package()


def missing() -> str | None:
    return kvm_machine.missing("kvm-svm")    # the same amd64 kernel and busybox


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
    ensure_packages([headers_package()] + BUILD_PACKAGES, echo)
    if not headers_dir().is_dir():
        raise HarnessError(f"{headers_dir()}: not there after installing {headers_package()}")
    _sync_sources()
    # the bare-metal core's VMCS field table, rendered as its build renders it
    write_if_changed(MODULE_DIR / "vmcs_fields.h",
                     render("x86_64/vmcs_fields.h.j2", fields=vmcs_fields()))
    _run(["make", "-s", "-C", str(headers_dir()), f"M={MODULE_DIR}", f"LAB_ROOT={ROOT}",
          "modules"], f"building the module against {headers_package()}")
    _run(["gcc", "-static", "-O2", "-Wall", "-Werror", f"-I{SOURCE}", "-o", str(PROBE),
          str(SOURCE / "probe.c")], "building hosted-probe")
    return MODULE, PROBE


def init_script() -> str:
    """/init: first a load that must fail (broken_entry=1: an illegal guest
    state), then `lab.cycles=N` rounds of insmod, the probe on every CPU,
    the workload, the exit counts and rmmod; then dmesg, and power off."""
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
insmod /lib/hosted.ko broken_entry=1 && echo "lab: broken entry: loaded" || echo "lab: broken entry: refused"
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
sleep 1         # Bochs drops what its UART has not sent when the machine powers off
poweroff -f
"""


def initramfs(machine: Machine) -> Path:
    module, probe = build(echo=lambda *_: None)
    files = kvm_machine.AMD64
    entries = [(d, kvm_machine.DIRMODE, b"") for d in linux.INIT_DIRS + ["lib"]]
    entries += [("bin/busybox", kvm_machine.FILEMODE,
                 (files.busybox_root / "bin" / "busybox").read_bytes()),
                ("bin/sh", kvm_machine.LINKMODE, b"busybox"),
                ("bin/hosted-probe", kvm_machine.FILEMODE, probe.read_bytes()),
                ("lib/hosted.ko", stat.S_IFREG | 0o644, module.read_bytes()),
                ("init", kvm_machine.FILEMODE, init_script().encode())]
    return kvm_machine._write(OUT / machine.name / "initramfs.cpio", linux.cpio_archive(entries))


def grub_iso(machine: Machine, append: str) -> Path:
    """build/hosted/MACHINE/boot.iso: GRUB for the PC BIOS, with the kernel,
    the initramfs and the command line (Bochs has no -kernel)."""
    out = OUT / machine.name
    root = out / "iso"
    (root / "boot" / "grub").mkdir(parents=True, exist_ok=True)
    for src, name in ((kvm_machine.AMD64.image, "bzImage"), (initramfs(machine), "initrd")):
        if not (root / "boot" / name).exists() or \
                not filecmp.cmp(src, root / "boot" / name, shallow=False):
            shutil.copyfile(src, root / "boot" / name)
    write_if_changed(root / "boot" / "grub" / "grub.cfg", GRUB_CFG.format(append=append))
    iso = out / "boot.iso"
    _run(["grub-mkrescue", "--install-modules=normal linux boot configfile", "--locales=",
          "--fonts=", "--themes=", "-o", str(iso), str(root)], "grub-mkrescue")
    return iso


def launch(machine: Machine, run_dir: Path, cycles: int, bench: int = 0):
    """QEMU (TCG) or Bochs booting the machine with the module inside."""
    from .target import load_target
    append = f"{MACHINE_CMDLINE} lab.cycles={cycles}" + (f" lab.bench={bench}" if bench else "")
    if machine.emulator == "bochs":
        base = load_target(EMULATOR_TARGET["bochs"])
        target = dataclasses.replace(base, emulator=dict(base.emulator, cpu=machine.cpu,
                                                         smp=machine.smp,
                                                         memory=BOCHS_MEMORY_MIB))
        return target.launch(grub_iso(machine, append), run_dir)
    base = load_target(EMULATOR_TARGET["qemu"])
    target = dataclasses.replace(base, emulator=dict(base.emulator, cpu=machine.cpu,
                                                     smp=machine.smp, icount=machine.icount))
    return target.launch(kvm_machine.AMD64.image, run_dir, initrd=initramfs(machine), append=append)


# Seconds of wall time: hang guards, many times a run (QEMU: about 20 s a
# boot; Bochs: about 3 minutes, silent until /init under `quiet`).
TIMEOUT = {"qemu": 600, "bochs": 1200}
SILENCE = {"qemu": 180, "bochs": 600}


def scenario(machine: Machine):
    """The boot as one console check: /init's end seen, no panic."""
    from .scenario import Scenario
    return Scenario(name=machine.name, vms={"machine": "machine"}, console_vm="machine",
                    expect={"machine": ["lab: hosted:", DONE_MARKER]},
                    forbid=["Kernel panic", "Oops", "BUG:", "general protection fault"],
                    timeout=TIMEOUT[machine.emulator], silence=SILENCE[machine.emulator])


def run(machine_name: str, log: Path, cycles: int = 1, bench: int = 0, echo: bool = False):
    from . import console
    machine = MACHINES[machine_name]
    run_dir = log.with_suffix(".run")
    launch_ = launch(machine, cycles=cycles, bench=bench, run_dir=run_dir)
    with _screen_drained(run_dir if machine.emulator == "bochs" else None):
        return console.run(launch_, scenario(machine), log, echo=echo, cwd=ROOT)


@contextlib.contextmanager
def _screen_drained(run_dir: Path | None):
    """Bochs' `term` display writes the VGA screen to a pseudo-terminal of
    its own, which nothing reads: once its 4 KiB buffer is full (cursor
    updates over a Linux boot of a few emulated minutes), Bochs blocks in
    write() for good. Read and drop it while Bochs runs (the short
    bare-metal runs never fill it)."""
    if run_dir is None:
        yield
        return
    stop = threading.Event()

    def bochs_screens():
        for proc in Path("/proc").iterdir():
            try:
                if str(run_dir) not in (proc / "cmdline").read_text():
                    continue
                for fd in (proc / "fd").iterdir():
                    if os.readlink(fd) == "/dev/ptmx":
                        index = re.search(r"tty-index:\s*(\d+)",
                                          (proc / "fdinfo" / fd.name).read_text())
                        if index:
                            yield Path("/dev/pts") / index[1]
            except OSError:
                continue

    def drain():
        opened = {}
        while not stop.wait(0.5):
            for pts in bochs_screens():
                if pts not in opened:
                    try:
                        opened[pts] = os.open(pts, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
                    except OSError:
                        continue
            for fd in opened.values():
                try:
                    while os.read(fd, 65536):
                        pass
                except OSError:
                    pass
        for fd in opened.values():
            os.close(fd)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


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


# -- ./lab bench --target hosted-svm / hosted-vmx -------------------------------------
BENCH_ITERATIONS = 200
BENCH_MACHINES = {"hosted-svm": "hosted-svm-icount", "hosted-vmx": "hosted-vmx"}
BENCH_LINE = r"bench (\w+) (\d+)"


def bench_metrics(lines: list[str]) -> dict[str, dict]:
    """hosted-probe's medians, in instructions (RDTSC counts them here)."""
    found = {m[1]: int(m[2]) for line in lines if (m := re.fullmatch(BENCH_LINE, line))}
    if set(found) != {"cpuid_roundtrip", "hypercall_roundtrip"}:
        raise HarnessError(f"hosted-probe's bench reported {sorted(found)}")
    return {name: {"value": value, "unit": "instructions"} for name, value in found.items()}


def bench(name: str) -> dict:
    """The cost of a CPUID exit and of a hypercall round trip under the
    module, measured from user space on one CPU counting instructions;
    written to build/bench/NAME.json in the lab's bench format."""
    from . import bench as lab_bench, logs
    if name not in BENCH_MACHINES:
        raise HarnessError(f"the hosted benches are {', '.join(BENCH_MACHINES)}")
    if missing():
        raise linux.NotPrepared(missing())
    result = run(BENCH_MACHINES[name], logs.new_log(f"{name}-bench"), cycles=1,
                 bench=BENCH_ITERATIONS)
    metrics = bench_metrics(result.lines)
    lab_bench.save(name, metrics)
    return {"target": name, "metrics": metrics}
