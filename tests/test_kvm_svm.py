"""Target kvm-svm: the KVM VMM inside Debian's amd64 Linux under QEMU TCG
with AMD-V. A boot costs about 35 s, so one boot runs every scenario of the
target in turn (harness/kvm_svm.py: /init with lab.run=all), and each
scenario's stretch of the console is held to guests/scenarios.toml as if it
had been booted alone: its ordered lines, forbidden lines, exit statistics
and the VMM's exit status. Then, in the same boot, the VMM boots the same
Linux kernel as its own guest, with a virtio disk; the test types into its
shell (uname, the disk's size, a write to /dev/vda read back) and ends it
with `reboot -f`, the i8042's reset. The machine's packages are fetched as root
(`./lab prepare-linux --arch amd64`); elsewhere the test is skipped with
that command (under CI it fails)."""
import os
import re

import pytest

from harness import HarnessError, TargetUnavailable, kvm_svm, lab, linux, logs
from harness.target import load_target

TARGET = "kvm-svm"
COMMANDS = ["uname -r", "cat /sys/block/vda/size", "echo written-through-virtio > /dev/vda; sync",
            "echo 3 > /proc/sys/vm/drop_caches; head -n 1 /dev/vda"]


def pytest_generate_tests(metafunc):
    """Part of the suite only when --target/--guest do not leave it out."""
    if "machine" in metafunc.fixturenames:
        target = metafunc.config.getoption("target")
        guest = metafunc.config.getoption("guest")
        chosen = [TARGET] if target in (None, TARGET) and guest is None else []
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
    if kvm_svm.missing() and os.geteuid() == 0:
        try:
            kvm_svm.prepare(if_missing=True)
        except HarnessError as e:
            unavailable(f"prepare-linux --arch amd64: {e}")
    if kvm_svm.missing():
        unavailable(kvm_svm.missing())
    build = lab.build(target, echo=False)
    result, problems = kvm_svm.run_all(
        target, build, logs.new_log(f"{machine}-all"),
        session=lambda child: linux.run_commands(child, COMMANDS, power_off="reboot -f"))
    assert not problems, "\n".join(f"{name}: {why}" for name, why in problems.items()) + \
        f"\n  log: {result.log}"
    assert sum("ended, vmm status" in line for line in result.lines) >= 15
    answers = [answer for _, answer in result.session]
    assert re.fullmatch(r"6\.1\.\d+-\d+-amd64", answers[0]), answers
    assert answers[1] == str(kvm_svm.DISK_MIB << 11), answers       # 512-byte sectors
    assert answers[3] == "written-through-virtio", answers
    assert any("hv: vm 'linux' stopped: reset (i8042 command 0xfe)" in line
               for line in result.lines)


# -- the pieces, without a boot ------------------------------------------------------

def test_sections_split_the_console_by_scenario():
    lines = ["lab: KVM is up", "lab: scenario a begins", "[x] one", "hv: all VMs stopped",
             "lab: scenario a ended, vmm status 0", "noise", "lab: scenario b begins", "[y] two"]
    assert kvm_svm.sections(lines) == {"a": (["[x] one", "hv: all VMs stopped"], 0),
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
    assert kvm_svm.check_section(hello, good, 0) is None
    assert "status 1, expected 0" in kvm_svm.check_section(hello, good, 1)
    assert "forbidden line 'FAIL:'" in kvm_svm.check_section(hello, good + ["[hello] FAIL: x"], 0)
    assert "waiting for [hello] 'SUMMARY" in kvm_svm.check_section(hello, good[:3], 0)
    few_exits = [line.replace(" 298 ", "  29 ") for line in good]
    assert "made 29 'pio' exits" in kvm_svm.check_section(hello, few_exits, 0)


def test_init_runs_what_the_command_line_names():
    script = kvm_svm.init_script([("hello", "python3 -m vmm run --vm hello=/lab/guests/hello.bin", 0)])
    assert "insmod /lab/modules/$m" in script and "kvm-amd.ko" in script
    assert "run_scenario hello 0 'python3 -m vmm run --vm hello=/lab/guests/hello.bin'" in script
    assert "s/.*lab\\.run=\\([^ ]*\\).*/\\1/p" in script         # a literal \1, not chr(1)
    assert script.rstrip().endswith("poweroff -f")
