"""Every scenario on every target (and every x86 hardware target's
shadow-paging build): boot it and hold the console to what
guests/scenarios.toml expects (ordered lines per VM, no forbidden line,
exit statistics, a clean power-off). lab.boot() raises ConsoleFailure,
with the last console lines and the log's path, on any difference.
Scenarios that declare they do not apply to a target are not collected
(`lab list` shows why)."""
from harness import lab


def test_scenario(built_target, scenario_name):
    result = lab.boot(built_target, scenario_name, echo=False, quiet_build=True)
    assert any("all VMs stopped" in line for line in result.lines)


ON = [("arm64", "two-guests"), ("svm", "two-guests"), ("vmx", "two-guests")]   # per emulator


def test_time_slicing_repeats_exactly(built_case):
    """The emulated clock counts instructions (QEMU -icount, Bochs'
    instruction clock), so two runs of two time-sliced VMs print the same
    console line for line: every preemption, every exit count. Nothing
    depends on how fast or loaded the host is."""
    first, second = (lab.boot(*built_case, echo=False, quiet_build=True).lines for _ in range(2))
    assert first == second
