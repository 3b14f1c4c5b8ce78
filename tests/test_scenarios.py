"""Every scenario on every target: boot it and hold the console to what
guests/scenarios.toml expects (ordered lines per VM, no forbidden line,
exit statistics, a clean power-off). lab.boot() raises ConsoleFailure,
with the last console lines and the log's path, on any difference."""
import pytest

from harness import lab
from harness.scenario import load_scenarios
from harness.target import load_target


def test_scenario(target_name, scenario_name, request):
    scenario = load_scenarios(load_target(target_name).arch, target_name)[scenario_name]
    if scenario.skip:
        pytest.skip(f"{scenario_name} does not run on {target_name}: {scenario.skip}")
    built_target = request.getfixturevalue("built_target")
    result = lab.boot(built_target, scenario_name, echo=False, quiet_build=True)
    assert any("all VMs stopped" in line for line in result.lines)
