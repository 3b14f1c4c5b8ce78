"""The lab's commands: `./lab --list` shows them, `./lab TASK --help`
explains one. (`./lab TASK` is `invoke TASK` inside the project's venv.)
The work is done in harness/; this file only parses options."""
import os
import shlex
import subprocess
import sys

from invoke import Exit, task

from harness import HarnessError, ROOT


def _run(fn, *args, **kwargs):
    """Run a harness step; a HarnessError becomes a clean message and exit 1."""
    try:
        return fn(*args, **kwargs)
    except HarnessError as e:
        raise Exit(f"error: {e}", code=1)


def _number(option: str, value, low: int, high: int | None = None) -> int:
    """An integer option, checked here: `--smp abc` is one line, not a traceback."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise Exit(f"error: {option} {value}: not a whole number", code=1) from None
    if n < low or (high is not None and n > high):
        limits = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise Exit(f"error: {option} {n}: must be {limits}", code=1)
    return n


@task
def setup(c):
    """Install the system packages every target needs (apt-get as root, else
    print the command)."""
    from harness import lab
    _run(lab.setup)


@task(help={"target": "target name (see `./lab list`); default: every target"})
def build(c, target=None):
    """Build the hypervisor and every scenario image for a target. Building
    needs no KVM: every target builds on any machine."""
    from harness import lab
    failed = _run(lab.build_all, [target] if target else None)
    if failed:
        raise Exit(f"error: {len(failed)} target(s) did not build: {', '.join(failed)}", code=1)


@task(help={"target": "target name, default arm64",
            "guest": "scenario to boot, default: the target's demo (see `./lab list`)",
            "paging": "x86: nested (EPT/NPT, default) or shadow (the hypervisor's own tables)",
            "kernel": "instead of a scenario: any arm64 Linux Image, as the only VM",
            "initrd": "with --kernel: its initramfs (default: the prepared one, if any)",
            "append": "with --kernel: the kernel command line",
            "smp": "with --kernel: vCPUs, each pinned to its own CPU (default 1)"})
def boot(c, target=None, guest=None, paging=None, kernel=None, initrd=None, append=None, smp=None):
    """Build and boot one scenario, streaming the serial console; exits 0 only
    if every expected line was seen and the guests powered off."""
    from harness import lab, logs
    cpus = None if smp is None else _number("--smp", smp, 1, lab.MAX_CPUS)
    logs.start("boot")
    _run(lab.boot, target, guest, paging=paging, kernel=kernel, initrd=initrd, append=append,
         smp=cpus)
    print("\nboot: every expected line seen, emulator exited cleanly")


@task(help={"target": "only this target", "guest": "only this scenario",
            "pytest-args": "extra arguments for pytest, quoted as for a shell"})
def test(c, target=None, guest=None, pytest_args=""):
    """Run the test suite (harness unit tests and every scenario on every
    target), one worker per core; a JUnit XML report goes to the run's log
    folder (build/logs/latest/)."""
    from harness import logs
    run = logs.start("test")
    workers = len(os.sched_getaffinity(0))     # the cores this process may use
    cmd = [sys.executable, "-m", "pytest", "-v", "-n", str(workers if workers > 1 else 0),
           "--dist", "worksteal", f"--junitxml={run / 'junit.xml'}"]
    if target:
        cmd.append(f"--target={target}")
    if guest:
        cmd.append(f"--guest={guest}")
    cmd += shlex.split(pytest_args)
    r = subprocess.run(cmd, cwd=ROOT)
    if r.returncode:
        raise Exit(code=r.returncode)


@task(help={"target": "only this target (default: all, side by side)",
            "lesson": "'paging': shadow against two-level paging; 'io': the same data moved "
                      "four ways through the KVM VMM; each with a plot",
            "guest": "'linux' (with --target arm64): Linux's boot under the hypervisor "
                     "over booted directly"})
def bench(c, target=None, lesson=None, guest=None):
    """Measure exit costs in instructions (QEMU -icount) and the clean build
    time; write build/bench/TARGET.json. With --lesson paging: the paging
    guest in both paging modes on VT-x and AMD-V, build/bench/paging.json
    and paging.png. With --target containers: ocirun's container lifecycle
    against runc's and crun's, build/bench/containers.json. With --target
    hosted-svm or hosted-vmx: the hosted module's CPUID and hypercall round
    trips, build/bench/TARGET.json."""
    from harness import bench as b
    from harness import logs
    logs.start("bench")
    if target in ("hosted-svm", "hosted-vmx"):
        from harness import hosted
        report = _run(hosted.bench, target)
        for name, m in report["metrics"].items():
            print(f"{name:<30}{m['value']:>10}  {m['unit']}")
        print(f"wrote build/bench/{target}.json")
        return
    if target == "containers":
        from harness import containers
        report = _run(containers.bench)
        for name, m in report["metrics"].items():
            print(f"{name:<30}{m['value']:>10}  {m['unit']}")
        print("\n".join(report["notes"]) + "\nwrote build/bench/containers.json")
        return
    if guest is not None:
        if guest != "linux" or target not in (None, "arm64"):
            raise Exit("error: --guest linux, on --target arm64, is the one guest benchmark",
                       code=1)
        report = _run(b.run_linux, "arm64")
        for name, m in report["metrics"].items():
            print(f"{name:<22}{str(m['value']):>40}  {m['unit']}")
        print("added to build/bench/arm64.json")
        return
    if lesson == "io":
        print(b.io_table(_run(b.run_io_lesson)))
        print("wrote build/bench/io.json, io.png and io.svg")
        return
    if lesson is not None:
        if lesson != "paging":
            raise Exit(f"error: unknown lesson '{lesson}': the lessons are 'paging' and 'io'",
                       code=1)
        print(b.paging_table(_run(b.run_paging_lesson)))
        print("wrote build/bench/paging.json, paging.png and paging.svg")
        return
    reports = _run(b.run_targets, [target] if target else None)
    print(b.table(reports))
    for r in reports:
        print(f"wrote build/bench/{r['target']}.json")


@task(help={"target": "target name, default arm64 (the x86 fuzzer is its own guest)",
            "seed": "the PRNG's seed, default 1: the same seed repeats the same run",
            "iterations": "operations before the last one, default 1000000"})
def fuzz(c, target="arm64", seed=None, iterations=None):
    """Boot the hostile fuzzing guest beside its victim with this seed and
    count: zero hypervisor faults, the victim finishes, and the digest the
    guest prints repeats with the seed (guests/<arch>/fuzz.c)."""
    from harness import fuzz as f
    from harness import logs
    logs.start("fuzz")
    seed = 1 if seed is None else _number("--seed", seed, 0, 2**64 - 1)
    iterations = 1_000_000 if iterations is None else _number("--iterations", iterations, 1)
    r = _run(f.run, target, seed, iterations)
    print(f"\nfuzz: {r['iterations']} operations from seed {r['seed']} on {r['target']}, "
          f"digest {r['digest']}; the victim finished; log {r['log']}")


@task(help={"experiment": "uniprocessor, multiprocessor, latency, or all (the default); "
                          "./lab rt NAME is ./lab rt --experiment NAME"})
def rt(c, experiment="all"):
    """Real-time experiments: rt/'s analysis against the hypervisor's EDF
    reservations, in instructions (QEMU -icount). Writes
    build/rt/EXPERIMENT.json, .png, .svg and .txt; exits 1 if a conclusion fails."""
    from harness import rt_experiments
    failed = []
    for name in rt_experiments.EXPERIMENTS if experiment == "all" else [experiment]:
        results, problems = _run(rt_experiments.run, name)
        print((rt_experiments.RT_DIR / f"{name}.txt").read_text())
        print(f"wrote build/rt/{name}.json, .png, .svg and .txt\n")
        failed += [f"{name}: {p}" for p in problems]
    if failed:
        raise Exit("error: " + "\nerror: ".join(failed), code=1)


@task(name="list")
def list_(c):
    """Show the targets and the scenarios (guests) each can boot."""
    from harness import lab
    print(_run(lab.listing))


@task(help={"target": "target name, default arm64", "guest": "scenario, default the demo",
            "port": "gdb port (default: a free one)"})
def debug(c, target="arm64", guest=None, port=None):
    """Start the emulator halted with its gdb stub and attach gdb-multiarch
    with the hypervisor's symbols; the console goes to the run's log."""
    from harness import lab, logs
    gdb_port = None if port is None else _number("--port", port, 1, 65535)
    logs.start("debug")
    _run(lab.debug, target, guest, gdb_port)


@task(help={"downloads": "also remove downloads/ (the Linux guest's kernel and busybox: "
                         "getting them back needs root and the network)"})
def clean(c, downloads=False):
    """Remove build/ (objects, images, logs, bench results); downloads/
    stays unless asked."""
    from harness import lab
    lab.clean(downloads)


@task
def lock(c):
    """Pin the Python packages: requirements.in -> requirements.txt (and the
    plot packages' requirements-plot.txt), through a fresh venv."""
    from harness import lab
    for path in _run(lab.lock_requirements):
        print(f"wrote {path}")


@task(name="prepare-linux", help={"arch": "arm64 (default: the Linux guest) or amd64 (the "
                                         "kvm-svm machine: kernel, busybox, Python)",
                                 "python": "arm64 with Debian's arm64 Python too (the kvm-arm64 "
                                           "machine)"})
def prepare_linux(c, arch="arm64", python=False):
    """Fetch Debian's kernel and busybox-static (and for amd64, or with
    --python, Python) by package name into downloads/ and build the
    initramfs (needs root)."""
    from harness import kvm_machine, linux
    if arch not in ("arm64", "amd64"):
        raise Exit(f"error: --arch {arch}: arm64 or amd64", code=1)
    if arch == "amd64" or python:
        _run(lambda: kvm_machine.prepare("kvm-svm" if arch == "amd64" else "kvm-arm64"))
    if arch == "arm64":
        _run(linux.prepare, if_missing=python)


@task(name="containers-rootfs")
def containers_rootfs(c):
    """Fetch Debian's busybox-static (this machine's architecture) by package
    name and build the containers' rootfs and its tarball under
    build/containers/ (needs root)."""
    from harness import containers
    _run(containers.prepare_rootfs)


@task(help={"name": "the lesson: namespaces", "json": "print the facts as JSON"})
def lesson(c, name, json=False):
    """Walk a lesson's experiments step by step and print what each shows
    (`namespaces`: UTS, PID, mount, network, user namespaces, setns, and a
    cgroup's OOM killer; needs root; docs/namespaces.md explains them)."""
    from harness import containers
    print(_run(containers.lesson, name, json), end="")

