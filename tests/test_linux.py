"""The Linux guest: Debian's arm64 kernel boots under the hypervisor to a
busybox shell, and a test types commands into it (uname -r, nproc, and
/proc/interrupts twice, whose timer count must rise: the virtual timer's
interrupt reaches the guest through a list register; devmem of an empty
device slot, which reads 0 as under KVM rather than stopping the VM) and
powers it off with PSCI SYSTEM_OFF. With 1 and 2 vCPUs as the only VM
(owning the real GIC and UART), and as two VMs sharing one CPU, each with
an emulated GICv3 and UART, typed input routed to one VM at a time.
conftest.py prepares the kernel and initramfs first when run as root
(`./lab prepare-linux`); otherwise the tests are skipped with the command
to run (under CI they fail)."""
import re

from harness import lab, linux

COMMANDS = ["uname -r", "nproc", "cat /proc/interrupts", "sleep 1", "cat /proc/interrupts",
            "devmem 0x0a003e00 32"]       # QEMU virt's last virtio-mmio slot: no device here
KERNEL_RELEASE = re.compile(r"6\.1\.\d+-\d+-arm64")


def check_shell(answers: list[tuple[str, str]], cpus: int) -> None:
    said = dict(answers)
    assert KERNEL_RELEASE.fullmatch(said["uname -r"]), said
    assert said["nproc"] == str(cpus)
    first, second = answers[2][1], answers[4][1]
    assert linux.timer_interrupts(second) > linux.timer_interrupts(first), (first, second)
    assert said["devmem 0x0a003e00 32"] == "0x00000000"


def one_vm(cpus: int, power_off: str):
    def test(target, scenario):
        result = lab.boot(target, scenario, echo=False, quiet_build=True,
                          session=lambda child: linux.run_commands(child, COMMANDS, power_off))
        check_shell(result.session, cpus)
        assert "hv: vm 'linux' stopped: powered off" in result.lines
    return test


PAIR = ("alpha", "beta")


def pair_session(child):
    """Each VM in turn gets the keyboard, names itself and answers; the
    first reboots (PSCI SYSTEM_RESET: the VM starts over, a fresh kernel
    with no name); each then says its name again and powers off."""
    answers = {}
    for index, vm in enumerate(PAIR):
        linux.switch_console(child, vm, index)
        answers[vm] = linux.run_commands(child, [f"hostname {vm}", *COMMANDS, "hostname",
                                                 "grep -E 'GICv3|pl011' /proc/interrupts"],
                                         power_off=None, vm=vm)
    linux.switch_console(child, PAIR[0], 0)
    child.sendline("reboot -f")
    child.expect_exact(f"hv: vm '{PAIR[0]}' restarts (PSCI SYSTEM_RESET)", timeout=linux.SHELL_TIMEOUT)
    child.expect_exact(f"[{PAIR[0]}] {linux.INIT_MARKER}", timeout=linux.SHELL_TIMEOUT)   # up again
    for index, vm in enumerate(PAIR):
        linux.switch_console(child, vm, index)
        answers[vm] += linux.run_commands(child, ["hostname"], vm=vm)
    return answers


def pair(target, scenario):
    """Two Linux VMs, one vCPU each, on one CPU: both reach a shell and
    answer; input reaches the VM it was typed to, through its emulated
    PL011's interrupt (the uart-pl011 line of /proc/interrupts counts); the
    one that reboots comes back as a fresh kernel, the other keeps its name."""
    result = lab.boot(target, scenario, echo=False, quiet_build=True, session=pair_session)
    for vm in PAIR:
        answers = result.session[vm]
        check_shell(answers[1:7], 1)
        assert answers[7] == ("hostname", vm)
        assert answers[-1] == ("hostname", "(none)" if vm == PAIR[0] else vm)
        irqs = answers[8][1]
        uart = [line for line in irqs.splitlines() if "uart-pl011" in line]
        assert uart and int(uart[0].split()[1]) > 0 and "GICv3" in uart[0], irqs
        assert f"hv: vm '{vm}' stopped: powered off" in result.lines


CPU0_ONLINE = "/sys/devices/system/cpu/cpu0/online"
BESIDE = [*COMMANDS, "grep -E 'IPI[01]:' /proc/interrupts",
          f"echo 0 > {CPU0_ONLINE}", "cat /sys/devices/system/cpu/online", "uname -r",
          f"echo 1 > {CPU0_ONLINE}", "cat /sys/devices/system/cpu/online", "nproc"]


def beside(target, scenario):
    """A 2-vCPU Linux VM with an emulated GICv3 beside a lesson guest: its
    shell answers on both CPUs, its CPUs interrupt each other (emulated
    SGIs: the IPI counts), and vCPU 0 goes off (PSCI CPU_OFF) while vCPU 1
    runs on, then on again (CPU_ON, from vCPU 1)."""
    result = lab.boot(target, scenario, echo=False, quiet_build=True,
                      session=lambda child: linux.run_commands(
                          child, BESIDE, "taskset 2 poweroff -f", vm="linux"))
    answers = result.session
    check_shell(answers[:6], 2)
    for ipi in answers[6][1].splitlines():              # IPI0, IPI1: on each CPU
        assert all(int(n) > 0 for n in ipi.split()[1:3]), answers[6]
    online = [a for c, a in answers if c == "cat /sys/devices/system/cpu/online"]
    assert online == ["1", "0-1"], answers[7:]          # vCPU 0 off, then on again
    assert KERNEL_RELEASE.fullmatch(answers[9][1])       # answered by vCPU 1 alone
    assert "CPU0: Booted secondary processor" in answers[10][1]
    assert answers[-1] == ("nproc", "2")
    assert "hv: vm 'linux' stopped: powered off" in result.lines


# With 2 vCPUs, power off from CPU 1: CPU 0 must be kicked out of its WFI.
SESSIONS = {"linux": one_vm(1, linux.POWER_OFF), "linux-smp": one_vm(2, "taskset 2 poweroff -f"),
            "linux-pair": pair, "linux-beside": beside}


def test_linux_shell(linux_prepared, shell_scenario):
    SESSIONS[shell_scenario](linux_prepared, shell_scenario)
