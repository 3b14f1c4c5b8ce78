"""Every scenario on every target: boot it and hold the console to what
guests/scenarios.toml expects (ordered lines per VM, no forbidden line,
exit statistics, clean power-off). Failures show the last console lines."""
from harness import lab


def test_scenario(built_target, scenario_name):
    result = lab.boot(built_target, scenario_name, echo=False, quiet_build=True)
    assert result.exit_status == 0
