"""Targets kvm-svm and kvm-arm64: the KVM VMM inside Debian's Linux under
QEMU TCG (amd64 with AMD-V; arm64 at EL2). A boot costs 15-35 s, so one
boot runs every scenario of the target in turn (harness/kvm_machine.py:
/init with lab.run=all), and each scenario's stretch of the console is held
to guests/scenarios.toml as if it had been booted alone: its ordered lines,
forbidden lines, exit statistics and the VMM's exit status. Then the VMM
boots the same Linux kernel as its own guest, with a virtio disk; the test
types into its shell (uname, the disk's size, a write to /dev/vda read back;
on arm64 also a line to the virtio console and the arch timer's line of
/proc/interrupts) and ends it: x86 with `reboot -f`, the i8042's reset;
arm64 with `poweroff -f`, PSCI SYSTEM_OFF. The machine's
packages are fetched as root (`./lab prepare-linux --arch amd64`, or
`--python` for arm64); elsewhere the test is skipped with that command
(under CI it fails)."""
import os
import re

import pytest

from harness import HarnessError, TargetUnavailable, kvm_machine, lab, linux, logs
from harness.scenario import load_scenarios, runnable
from harness.target import load_target

TARGET = "kvm-svm"
TARGETS = ["kvm-svm", "kvm-arm64"]
SCENARIOS_RUN = {"kvm-svm": 15, "kvm-arm64": 6}
# `./lab bench --target kvm-arm64` runs (and checks) `bench`: its 20,000 exits
# through Python would be some 20 s of this boot's 50
SUITE_LEAVES_OUT = {"kvm-arm64": {"bench"}}
COMMANDS = ["uname -r", "cat /sys/block/vda/size", "echo written-through-virtio > /dev/vda; sync",
            "echo 3 > /proc/sys/vm/drop_caches; head -n 1 /dev/vda"]
# arm64's guest also has a virtio console (its words, made by the shell, are
# not in what is typed) and names its interrupt controller and timer
COMMANDS_ARM64 = COMMANDS + ["echo virtio-console-$((6 * 7)) > /dev/hvc0",
                             "grep arch_timer /proc/interrupts"]
SESSIONS = {"kvm-svm": (COMMANDS, "reboot -f"), "kvm-arm64": (COMMANDS_ARM64, "poweroff -f")}
GUEST_END = {"kvm-svm": "hv: vm 'linux' stopped: reset (i8042 command 0xfe)",
             "kvm-arm64": "hv: vm 'linux' stopped: powered off"}
KERNEL_RELEASE = {"kvm-svm": r"6\.1\.\d+-\d+-amd64", "kvm-arm64": r"6\.1\.\d+-\d+-arm64"}


def pytest_generate_tests(metafunc):
    """Part of the suite only when --target/--guest do not leave it out."""
    if "machine" in metafunc.fixturenames:
        target = metafunc.config.getoption("target")
        guest = metafunc.config.getoption("guest")
        chosen = [t for t in TARGETS if target in (None, t) and guest is None]
        metafunc.parametrize("machine", chosen)


def unavailable(message: str):
    (pytest.fail if os.environ.get("CI") else pytest.skip)(message)


def test_every_scenario_in_one_boot(machine, request):
    request.node.user_properties.append(("target", machine))
    target = load_target(machine)
    try:
        lab.ensure_tools(target)
    except TargetUnavailable as e:
        pytest.skip(str(e))
    except HarnessError as e:
        unavailable(f"target {machine} cannot run here: {e}")
    if kvm_machine.missing(machine) and os.geteuid() == 0:
        try:
            kvm_machine.prepare(machine, if_missing=True)
        except HarnessError as e:
            unavailable(f"prepare-linux for {machine}: {e}")
    if kvm_machine.missing(machine):
        unavailable(kvm_machine.missing(machine))
    build = lab.build(target, echo=False)
    commands, power_off = SESSIONS[machine]
    session = lambda child: linux.run_commands(child, commands, power_off=power_off)
    left_out = SUITE_LEAVES_OUT.get(machine)
    names = [s.name for s in runnable(load_scenarios(target.arch, machine))
             if s.name not in left_out] if left_out else None
    result, problems = kvm_machine.run_all(target, build, logs.new_log(f"{machine}-all"),
                                           names=names, session=session)
    assert not problems, "\n".join(f"{name}: {why}" for name, why in problems.items()) + \
        f"\n  log: {result.log}"
    assert sum("ended, vmm status" in line for line in result.lines) >= SCENARIOS_RUN[machine]
    answers = [answer for _, answer in result.session]
    assert re.fullmatch(KERNEL_RELEASE[machine], answers[0]), answers
    assert answers[1] == str(kvm_machine.DISK_MIB << 11), answers       # 512-byte sectors
    assert answers[3] == "written-through-virtio", answers
    assert any(GUEST_END[machine] in line for line in result.lines)
    if machine == "kvm-arm64":
        assert any("virtio-console-42" in line for line in result.lines)
        # the virtual timer's PPI (INTID 27) through KVM's in-kernel GICv3, ticking
        timer = re.search(r"^\s*\d+:((?:\s+\d+)+)\s+GICv3\s+27 Level\s+arch_timer", answers[5])
        assert timer and all(int(n) for n in timer[1].split()), answers


# -- the pieces, without a boot ------------------------------------------------------

def test_sections_split_the_console_by_scenario():
    lines = ["lab: KVM is up", "lab: scenario a begins", "[x] one", "hv: all VMs stopped",
             "lab: scenario a ended, vmm status 0", "noise", "lab: scenario b begins", "[y] two"]
    assert kvm_machine.sections(lines) == {"a": (["[x] one", "hv: all VMs stopped"], 0),
                                       "b": (["[y] two"], None)}


def test_a_section_is_held_to_its_scenario():
    from harness.scenario import load_scenario
    hello = load_scenario("hello", "x86_64", TARGET)
    good = ["[hello] Hello from a guest, through a trapped UART",
            "[hello] PASS: hypercall ABI version 1",
            "[hello] PASS: emulated UART status register reads back",
            "[hello] SUMMARY: 2 passed, 0 failed", "hv: vm 'hello' stopped: powered off",
            "hv: all VMs stopped", "hv: exit statistics",
            "hv:   vm            hypercall       mmio        pio     sysreg       halt   firmware"
            "     paging      timer        irq  unhandled      total",
            "hv:   hello                 1          0        298          0          0          0"
            "          0          0          0          0        299", "hv: powering off"]
    assert kvm_machine.check_section(hello, good, 0) is None
    assert "status 1, expected 0" in kvm_machine.check_section(hello, good, 1)
    assert "forbidden line 'FAIL:'" in kvm_machine.check_section(hello, good + ["[hello] FAIL: x"], 0)
    assert "waiting for [hello] 'SUMMARY" in kvm_machine.check_section(hello, good[:3], 0)
    few_exits = [line.replace(" 298 ", "  29 ") for line in good]
    assert "made 29 'pio' exits" in kvm_machine.check_section(hello, few_exits, 0)


def test_init_runs_what_the_command_line_names():
    script = kvm_machine.init_script(kvm_machine.MACHINES[TARGET],
                                     [("hello", "python3 -m vmm run --vm hello=/lab/guests/hello.bin", 0)])
    assert "insmod /lab/modules/$m" in script and "kvm-amd.ko" in script
    assert "run_scenario hello 0 'python3 -m vmm run --vm hello=/lab/guests/hello.bin'" in script
    assert "s/.*lab\\.run=\\([^ ]*\\).*/\\1/p" in script         # a literal \1, not chr(1)
    assert script.rstrip().endswith("poweroff -f")
