"""The Linux guest: Debian's arm64 kernel boots under the hypervisor to a
busybox shell, with 1 and with 2 vCPUs; a test types commands into it (uname -r, nproc, and
/proc/interrupts twice, whose timer count must rise: the virtual timer's
interrupt reaches the guest through a list register) and powers it off with
PSCI SYSTEM_OFF. conftest.py prepares the kernel and initramfs first when
run as root (`./lab prepare-linux`); otherwise the tests are skipped with
the command to run (under CI they fail)."""
import re

from harness import lab, linux

COMMANDS = ["uname -r", "nproc", "cat /proc/interrupts", "sleep 1", "cat /proc/interrupts"]


# With 2 vCPUs, power off from CPU 1: CPU 0 must be kicked out of its WFI.
SESSIONS = {"linux": (1, linux.POWER_OFF), "linux-smp": (2, "taskset 2 poweroff -f")}


def test_linux_shell(linux_prepared, shell_scenario):
    cpus, power_off = SESSIONS[shell_scenario]
    result = lab.boot(linux_prepared, shell_scenario, echo=False, quiet_build=True,
                      session=lambda child: linux.run_commands(child, COMMANDS, power_off))
    answers = dict(result.session[:2])
    assert re.fullmatch(r"6\.1\.\d+-\d+-arm64", answers["uname -r"]), answers
    assert answers["nproc"] == str(cpus)
    first, second = result.session[2][1], result.session[4][1]
    assert linux.timer_interrupts(second) > linux.timer_interrupts(first), (first, second)
    assert "hv: vm 'linux' stopped: powered off" in result.lines
