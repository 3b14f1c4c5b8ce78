"""The lab's commands: `invoke --list` shows them, `invoke TASK --help`
explains one. (`./lab TASK` runs the same thing inside the project's venv.)
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


@task
def setup(c):
    """Install the system packages every target needs (apt-get as root, else
    print the command)."""
    from harness import lab
    _run(lab.setup)


@task(help={"target": "target name (see `invoke list`); default: all targets"})
def build(c, target=None):
    """Build the hypervisor and every scenario image for a target."""
    from harness import lab
    from harness.target import load_target, target_names
    for name in [target] if target else _run(target_names):
        _run(lab.build, _run(load_target, name))


@task(help={"target": "target name, default arm64",
            "guest": "scenario to boot, default: the target's demo (see `invoke list`)",
            "paging": "x86: nested (EPT/NPT, default) or shadow (the hypervisor's own tables)",
            "kernel": "instead of a scenario: any arm64 Linux Image, as the only VM",
            "initrd": "with --kernel: its initramfs (default: build/linux/'s, if prepared)",
            "append": "with --kernel: the kernel command line",
            "smp": "with --kernel: vCPUs, each pinned to its own CPU (default 1)"})
def boot(c, target=None, guest=None, paging=None, kernel=None, initrd=None, append=None, smp=1):
    """Build and boot one scenario, streaming the serial console; exits 0 only
    if every expected line was seen and the guests powered off."""
    from harness import lab
    _run(lab.boot, target, guest, paging=paging, kernel=kernel, initrd=initrd, append=append,
         smp=int(smp))
    print("\nboot: every expected line seen, emulator exited cleanly")


@task(help={"target": "only this target", "guest": "only this scenario",
            "pytest-args": "extra arguments for pytest, quoted"})
def test(c, target=None, guest=None, pytest_args=""):
    """Run the test suite (harness unit tests and every scenario on every target)."""
    workers = len(os.sched_getaffinity(0))     # the cores this process may use
    cmd = [sys.executable, "-m", "pytest", "-n", str(workers if workers > 1 else 0),
           "--dist", "worksteal"]
    if target:
        cmd.append(f"--target={target}")
    if guest:
        cmd.append(f"--guest={guest}")
    cmd += shlex.split(pytest_args)
    r = subprocess.run(cmd, cwd=ROOT)
    if r.returncode:
        raise Exit(code=r.returncode)


@task(help={"target": "only this target (default: all, side by side)",
            "lesson": "'paging': shadow against two-level paging, with a plot",
            "guest": "'linux' (with --target arm64): Linux's boot under the hypervisor "
                     "over booted directly"})
def bench(c, target=None, lesson=None, guest=None):
    """Measure exit costs in instructions (QEMU -icount) and the clean build
    time; write build/bench/TARGET.json. With --lesson paging: the paging
    guest in both paging modes on VT-x and AMD-V, build/bench/paging.json
    and paging.png."""
    from harness import TargetUnavailable
    from harness import bench as b
    from harness.target import target_names
    if guest is not None:
        if guest != "linux" or target not in (None, "arm64"):
            raise Exit("error: --guest linux, on --target arm64, is the one guest benchmark",
                       code=1)
        report = _run(b.run_linux, "arm64")
        for name, m in report["metrics"].items():
            print(f"{name:<22}{str(m['value']):>40}  {m['unit']}")
        print("added to build/bench/arm64.json")
        return
    if lesson is not None:
        if lesson != "paging":
            raise Exit(f"error: unknown lesson '{lesson}': the one there is is 'paging'", code=1)
        print(b.paging_table(_run(b.run_paging_lesson)))
        print("wrote build/bench/paging.json and build/bench/paging.png")
        return
    reports = []
    for name in [target] if target else target_names():
        try:
            reports.append(b.run_target(name))
        except TargetUnavailable as e:
            if target:
                raise Exit(f"error: {e}", code=1)
            print(f"skipped: {e}")
        except HarnessError as e:
            raise Exit(f"error: {e}", code=1)
    print(b.table(reports))
    for r in reports:
        print(f"wrote build/bench/{r['target']}.json")


@task(help={"experiment": "uniprocessor, multiprocessor, latency, or all (the default); "
                          "./lab rt NAME is ./lab rt --experiment NAME"})
def rt(c, experiment="all"):
    """Real-time experiments: rt/'s analysis against the hypervisor's EDF
    reservations, in instructions (QEMU -icount). Writes
    build/rt/EXPERIMENT.json, .png and .txt; exits 1 if a conclusion fails."""
    from harness import rt_experiments
    failed = []
    for name in rt_experiments.EXPERIMENTS if experiment == "all" else [experiment]:
        results, problems = _run(rt_experiments.run, name)
        print((rt_experiments.RT_DIR / f"{name}.txt").read_text())
        print(f"wrote build/rt/{name}.json, {name}.png and {name}.txt\n")
        failed += [f"{name}: {p}" for p in problems]
    if failed:
        raise Exit("error: " + "\nerror: ".join(failed), code=1)


@task(name="list")
def list_(c):
    """Show the targets and the scenarios (guests) each can boot."""
    from harness import lab
    print(_run(lab.listing))


@task(help={"target": "target name, default arm64", "guest": "scenario, default the demo",
            "port": "gdb port, default 1234"})
def debug(c, target="arm64", guest=None, port=1234):
    """Start the emulator halted with its gdb stub and attach gdb-multiarch
    with the hypervisor's symbols."""
    from harness import lab
    _run(lab.debug, target, guest, int(port))


@task
def clean(c):
    """Remove build/ (objects, images, logs, bench results)."""
    from harness import lab
    lab.clean()


@task(name="prepare-linux")
def prepare_linux(c):
    """Fetch Debian's arm64 kernel and busybox-static by package name and
    build the Linux guest's initramfs under build/linux/ (needs root)."""
    from harness import linux
    _run(linux.prepare)
