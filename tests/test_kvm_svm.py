"""Target kvm-svm: the KVM VMM inside Debian's amd64 Linux under QEMU TCG
with AMD-V. A boot costs about 35 s, so one boot runs every scenario of the
target in turn (harness/kvm_svm.py: /init with lab.run=all), and each
scenario's stretch of the console is held to guests/scenarios.toml as if it
had been booted alone: its ordered lines, forbidden lines, exit statistics
and the VMM's exit status. The machine's packages are fetched as root
(`./lab prepare-linux --arch amd64`); elsewhere the test is skipped with
that command (under CI it fails)."""
import os

import pytest

from harness import HarnessError, TargetUnavailable, kvm_svm, lab, logs
from harness.target import load_target

TARGET = "kvm-svm"


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
    result, problems = kvm_svm.run_all(target, build, logs.new_log(f"{machine}-all"))
    assert not problems, "\n".join(f"{name}: {why}" for name, why in problems.items()) + \
        f"\n  log: {result.log}"
    assert sum("ended, vmm status" in line for line in result.lines) >= 15
