"""What the invoke tasks do, one function each; tasks.py only parses options.
Every step that needs a tool checks for it first and names the package."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import BUILD, ROOT, HarnessError, TargetUnavailable, console, linux
from .build import Build
from .deps import ensure_packages, require_program
from .scenario import Scenario, load_scenario, load_scenarios, runnable
from .target import Target, load_target, shell_quote, target_names
from .toolchain import find_toolchain, preferred_packages

LOG_DIR = BUILD / "logs"
DEBUG_PACKAGES = ["gdb-multiarch"]


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


REQUIREMENTS = {
    "kvm-vmx": lambda: _kvm_with("vmx", "Intel VT-x"),
    "kvm-svm": lambda: _kvm_with("svm", "AMD-V"),
}


def check_requirements(target: Target) -> None:
    for need in target.emulator.get("requires", []):
        problem = REQUIREMENTS[need]()
        if problem:
            raise TargetUnavailable(f"target {target.name}: {problem}")


def ensure_tools(target: Target, echo=print) -> None:
    """Install what `target` needs (as root), then insist it is there."""
    check_requirements(target)
    try:
        find_toolchain(target.arch)
        have_toolchain = True
    except HarnessError:
        have_toolchain = False
    needed = target.packages + ([] if have_toolchain else preferred_packages(target.arch))
    ensure_packages(needed, echo)
    find_toolchain(target.arch)
    require_program(target.emulator["binary"], ", ".join(target.packages))


def setup(echo=print) -> None:
    from . import containers
    packages = sorted({p for t in all_targets() for p in system_packages(t)} | set(DEBUG_PACKAGES)
                      | set(containers.RUNTIME_PACKAGES + containers.ENGINE_PACKAGES))
    ensure_packages(packages, echo)
    containers.ensure_runtime(echo)          # libseccomp's binding, linked into the venv
    echo(f"system packages present: {' '.join(packages)}")


def build(target: Target, scenarios: list[Scenario] | None = None, echo=True) -> Build:
    ensure_tools(target)
    b = Build(target)
    b.run(scenarios if scenarios is not None else runnable(load_scenarios(target.arch, target.name)),
          echo=echo)
    return b


def log_path(target: Target, scenario: Scenario) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")      # and the PID: two runs in one second
    return LOG_DIR / f"{stamp}-{os.getpid()}-{target.name}-{scenario.name}.log"


def hand_over_console(child):
    """An interactive scenario booted from a terminal: the keyboard goes to
    the guest (pexpect's interact) until the emulator exits."""
    print("\n[the guest's console is yours: `poweroff -f` ends it; Ctrl-] detaches]",
          flush=True)
    tee = child.logfile_read
    echo, tee.echo = tee.echo, False        # interact() shows the output itself
    child.interact()
    tee.echo = echo


def default_session(child):
    """An interactive scenario with no terminal: show one command, power off."""
    return linux.run_commands(child, ["uname -r"])


def boot(target_name: str | None, guest: str | None, echo=True,
         quiet_build=False, paging: str | None = None, session=None,
         kernel: str | None = None, initrd: str | None = None, append: str | None = None,
         smp: int = 1) -> console.Result:
    """Build and boot one scenario, checking the console as it runs; or,
    with `kernel`, any arm64 Linux Image as the only VM."""
    target = load_target(target_name or "arm64").with_paging(paging)
    if kernel:
        if guest:
            raise HarnessError("--kernel and --guest exclude each other")
        if target.arch != "arm64":
            raise HarnessError(f"--kernel boots an arm64 Image: target {target.name} is {target.arch}")
        scenario = linux.kernel_scenario(kernel, initrd, append, smp)
    elif initrd or append or smp != 1:
        raise HarnessError("--initrd, --append and --smp go with --kernel")
    else:
        scenario = load_scenario(guest or target.default_guest, target.arch, target.name)
    if linux.GUEST in scenario.vms.values() and not scenario.kernel and linux.missing():
        raise linux.NotPrepared(linux.missing())
    if scenario.interactive and session is None:
        session = hand_over_console if echo and sys.stdin.isatty() else default_session
    b = build(target, [scenario], echo=not quiet_build)
    log = log_path(target, scenario)
    launch = target.launch(b.image(scenario.name), log.with_suffix(".run"), cpus=scenario.cpus)
    if echo:
        print(f"$ {shell_quote(launch.argv)}", flush=True)
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
    return "\n".join(out)


def debug(target_name: str, guest: str, port: int = 1234) -> None:
    target = load_target(target_name)
    if target.emulator["kind"] != "qemu":
        raise HarnessError(f"debug attaches gdb to QEMU's gdb stub; target {target.name} runs "
                           f"under {target.emulator['binary']}: use a QEMU target (e.g. svm for "
                           f"x86), or Bochs' own debugger (bochs -f build/logs/*.run/bochsrc)")
    scenario = load_scenario(guest or target.default_guest, target.arch, target.name)
    ensure_packages(DEBUG_PACKAGES)
    gdb = require_program("gdb-multiarch", "gdb-multiarch")
    b = build(target, [scenario])
    image = b.elf(scenario.name)       # the symbols; QEMU boots b.image()
    argv = target.command(b.image(scenario.name), gdb_port=port, cpus=scenario.cpus)
    print(f"$ {shell_quote(argv)}")
    qemu = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL)
    try:
        subprocess.run([gdb, "-q", str(image), "-ex", f"target remote 127.0.0.1:{port}",
                        "-ex", "echo The CPU is halted at reset: 'break hv_main', then 'continue'.\\n"])
    finally:
        qemu.kill()
        qemu.wait()


def clean() -> None:
    shutil.rmtree(BUILD, ignore_errors=True)
