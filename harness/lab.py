"""What the invoke tasks do, one function each; tasks.py only parses options.
Every step that needs a tool checks for it first and names the package."""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import (BUILD, ROOT, HarnessError, TargetUnavailable, console, gdbstub, hosted,
               kvm_machine, linux, logs, progress)
from .build import Build
from .deps import ensure_packages, require_program
from .scenario import Scenario, load_scenario, load_scenarios, runnable
from .target import Target, load_target, target_names
from .toolchain import find_toolchain, preferred_packages

DEBUG_PACKAGES = ["gdb-multiarch"]
TEST_PACKAGES = ["device-tree-compiler"]        # dtc reads back the FDT writer's output


def all_targets() -> list[Target]:
    return [load_target(n) for n in target_names()]


def system_packages(target: Target) -> list[str]:
    return target.packages + preferred_packages(target.arch)


# What a `requires` entry in a target file means, and how to check it here.
def _kvm_with(flag: str, vendor: str) -> str | None:
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "no usable /dev/kvm on this machine"
    cpuinfo = Path("/proc/cpuinfo").read_text()
    if f" {flag}" not in cpuinfo:
        return (f"/dev/kvm is here, but this CPU shows no {vendor} to guests ('{flag}' is "
                f"missing from /proc/cpuinfo): it needs an {vendor} host with nested "
                f"virtualization enabled")
    return None


def _kvm_usable() -> str | None:
    if not os.path.exists("/dev/kvm"):
        return "no /dev/kvm on this machine (KVM is not loaded, or this is no x86 host with VT-x/AMD-V)"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm is here but not usable by this user: add it to the 'kvm' group"
    return None


REQUIREMENTS = {
    "kvm": _kvm_usable,
    "kvm-vmx": lambda: _kvm_with("vmx", "Intel VT-x"),
    "kvm-svm": lambda: _kvm_with("svm", "AMD-V"),
}


def check_requirements(target: Target) -> None:
    for need in target.emulator.get("requires", []):
        problem = REQUIREMENTS[need]()
        if problem:
            raise TargetUnavailable(f"target {target.name}: {problem}")


def ensure_tools(target: Target, echo=print) -> None:
    """Install what booting `target` needs (as root), then insist it is
    there; a target needing hardware this machine lacks is unavailable."""
    check_requirements(target)
    ensure_build_tools(target, echo)
    require_program(target.emulator["binary"], ", ".join(target.packages))


def ensure_build_tools(target: Target, echo=print) -> None:
    """Install what building `target` needs: any machine can build any target."""
    try:
        find_toolchain(target.arch)
        have_toolchain = True
    except HarnessError:
        have_toolchain = False
    needed = target.packages + ([] if have_toolchain else preferred_packages(target.arch))
    ensure_packages(needed, echo)
    find_toolchain(target.arch)


def setup(echo=print) -> None:
    from . import containers
    packages = sorted({p for t in all_targets() for p in system_packages(t)} |
                      set(DEBUG_PACKAGES) | set(TEST_PACKAGES) |
                      set(containers.RUNTIME_PACKAGES + containers.ENGINE_PACKAGES) |
                      set(hosted.BUILD_PACKAGES))
    try:                            # the hosted module's build: the kernel's own headers
        packages.append(hosted.headers_package())
    except HarnessError as e:
        echo(f"hosted: no linux-headers package named yet ({e}); `./lab test` installs it")
    ensure_packages(packages, echo)
    containers.ensure_runtime(echo)          # libseccomp's binding, linked into the venv
    echo(f"system packages present: {' '.join(packages)}")


def build(target: Target, scenarios: list[Scenario] | None = None, echo=True) -> Build:
    ensure_build_tools(target)
    b = Build(target)
    b.run(scenarios if scenarios is not None else runnable(load_scenarios(target.arch, target.name)),
          echo=echo)
    return b


def build_all(names: list[str] | None = None) -> list[str]:
    """Build each target (default: all); the names of those that failed."""
    failed = []
    for name in names or target_names():
        try:
            build(load_target(name))
        except HarnessError as e:
            print(f"error: {name}: {e}", file=sys.stderr)
            failed.append(name)
    return failed


def log_path(target: Target, scenario: Scenario) -> Path:
    return logs.new_log(f"{target.name}-{scenario.name}")


def hand_over_console(child):
    """An interactive scenario booted from a terminal: the keyboard goes to
    the guest (pexpect's interact) until the emulator exits."""
    print("\n[the guest's console is yours: `poweroff -f` ends it; Ctrl-] detaches]",
          flush=True)
    tee = child.logfile_read
    echo, tee.echo = tee.echo, False        # interact() shows the output itself
    child.interact()
    tee.echo = echo


def default_session(scenario: Scenario):
    """An interactive scenario with no terminal: show one command, power
    off; a guest that turns out to have no shell just runs to its end."""
    first = scenario.prompt_timeout or linux.SHELL_TIMEOUT
    return lambda child: linux.run_commands(child, ["uname -r"], first_prompt=first,
                                            shell_optional=True)


def boot(target_name: str | None, guest: str | None, echo=True,
         quiet_build=False, paging: str | None = None, session=None,
         kernel: str | None = None, initrd: str | None = None, append: str | None = None,
         smp: int | None = None) -> console.Result:
    """Build and boot one scenario, checking the console as it runs; or,
    with `kernel`, any arm64 Linux Image as the only VM."""
    target = load_target(target_name or "arm64").with_paging(paging)
    if kernel:
        if guest:
            raise HarnessError("--kernel and --guest exclude each other")
        if target.arch != "arm64":
            raise HarnessError(f"--kernel boots an arm64 Image: target {target.name} is {target.arch}")
        cpus = smp or 1
        if cpus > target.platform["max_cpus"]:
            raise HarnessError(f"--smp {cpus}: the hypervisor runs at most "
                               f"{target.platform['max_cpus']} CPUs ([platform] max_cpus in "
                               f"qemu-configs/{target.name}.toml)")
        scenario = linux.kernel_scenario(kernel, initrd, append, cpus, target.guest["ram_base"])
    elif initrd is not None or append is not None or smp is not None:
        raise HarnessError("--initrd, --append and --smp go with --kernel")
    else:
        scenario = load_scenario(guest or target.default_guest, target.arch, target.name)
    if linux.GUEST in scenario.vms.values() and not scenario.kernel and linux.missing():
        raise linux.NotPrepared(linux.missing())
    if scenario.interactive and session is None:
        session = hand_over_console if echo and sys.stdin.isatty() else default_session(scenario)
    ensure_tools(target)            # booting, unlike building, needs what the target requires
    b = build(target, [scenario], echo=not quiet_build)
    log = log_path(target, scenario)
    if kvm_machine.is_machine(target):      # the VMM inside a Linux machine: /init runs it
        return _boot_run(kvm_machine.launch(target, b, scenario.name, log.with_suffix(".run")),
                         scenario, log, echo, session)
    launch = target.launch(b.image(scenario.name), log.with_suffix(".run"), cpus=scenario.cpus,
                           vms=b.vm_entries(scenario), vmm=scenario.vmm)
    return _boot_run(launch, scenario, log, echo, session)


def _boot_run(launch, scenario: Scenario, log: Path, echo: bool, session) -> console.Result:
    if echo:
        print(f"$ {shlex.join(launch.argv)}", flush=True)
    return console.run(launch, scenario, log, echo=echo, cwd=ROOT, session=session)


def listing() -> str:
    out = []
    for t in all_targets():
        out.append(f"target {t.name}: {t.description}")
        for s in load_scenarios(t.arch, t.name).values():
            default = " (default)" if s.name == t.default_guest else ""
            if s.skip:
                out.append(f"  --guest {s.name:<14} not on this target: {s.skip}")
                continue
            vms = ", ".join(f"{vm}={g}" for vm, g in s.vms.items())
            out.append(f"  --guest {s.name:<14} {s.description}{default}  [{vms}]")
    for name in hosted.BENCH_MACHINES:          # a Linux module, not scenarios (docs/hosted.md)
        out.append(f"target {name}: {hosted.MACHINES[name].description}")
        out.append(f"  ./lab test --target {name}, ./lab bench --target {name}")
    return "\n".join(out)


def debug(target_name: str, guest: str | None, port: int | None = None) -> None:
    target = load_target(target_name)
    if target.emulator["kind"] != "qemu":
        raise HarnessError(f"debug attaches gdb to QEMU's gdb stub; target {target.name} runs "
                           f"under {target.emulator['binary']}: use a QEMU target (e.g. svm for "
                           f"x86), or Bochs' own debugger (bochs -f build/logs/latest/*.run/bochsrc)")
    scenario = load_scenario(guest or target.default_guest, target.arch, target.name)
    port = gdbstub.claim_port(port)
    ensure_tools(target)
    ensure_packages(DEBUG_PACKAGES)
    gdb = require_program("gdb-multiarch", "gdb-multiarch")
    b = build(target, [scenario])
    log = log_path(target, scenario)
    argv = target.command(b.image(scenario.name), gdb_port=port, cpus=scenario.cpus,
                          serial=f"file:{log}")
    print(f"$ {shlex.join(argv)}")
    print(f"the guest console goes to {os.path.relpath(log, ROOT)} (`tail -f` it in another "
          f"terminal); QEMU's own messages to {os.path.relpath(log.with_suffix('.stderr'), ROOT)}")
    with open(log.with_suffix(".stderr"), "w") as stderr:
        qemu = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stderr=stderr)
    try:
        gdbstub.wait_listening(qemu, port, log.with_suffix(".stderr"))
        subprocess.run([gdb, "-q", str(b.elf(scenario.name)),      # the symbols
                        "-ex", f"target remote 127.0.0.1:{port}",
                        "-ex", "echo The CPU is halted at reset: 'break hv_main', then 'continue'.\\n"])
    finally:
        qemu.kill()
        qemu.wait()


LOCKS = {"requirements.in": "requirements.txt", "requirements-plot.in": "requirements-plot.txt"}


def lock_requirements() -> list[str]:
    """Pin every package (and what it needs) of each requirements .in file
    in its .txt file: installed into a fresh venv, then `pip freeze`."""
    written = []
    for source, pinned in LOCKS.items():
        with tempfile.TemporaryDirectory() as scratch:
            python = Path(scratch) / "bin" / "python"
            subprocess.run([sys.executable, "-m", "venv", scratch], check=True)
            pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
            with progress.step(f"lock: installing {source} into a fresh venv"):
                if subprocess.run(pip + ["install", "-r", str(ROOT / source)]).returncode:
                    raise HarnessError(f"pip could not install {source}")
            frozen = subprocess.run(pip + ["freeze"], capture_output=True, text=True).stdout
        header = (f"# Generated by `./lab lock` from {source}: every package pinned. Edit "
                  f"{source}, not this file.\n")
        (ROOT / pinned).write_text(header + frozen)
        written.append(pinned)
    return written


def clean(downloads: bool = False) -> None:
    shutil.rmtree(BUILD, ignore_errors=True)
    if downloads:
        shutil.rmtree(linux.DOWNLOADS, ignore_errors=True)
