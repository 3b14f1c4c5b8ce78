"""pytest wiring: --target/--guest select part of the suite, and each target
is built once per session. A target needing hardware this machine lacks
(KVM with nested VT-x or AMD-V) is skipped with the reason. A target whose
tools are missing is skipped too, except under CI (CI=true), where setup
installs everything, so there it fails. A build error always fails.
Interactive scenarios (the Linux shell) have their own test, test_linux.py;
its files are prepared here under CI, and skipped with the reason elsewhere."""
import os

import pytest

from harness import HarnessError, TargetUnavailable, lab, linux
from harness.scenario import load_scenarios
from harness.target import load_target, target_names


def pytest_addoption(parser):
    parser.addoption("--target", help="only run scenarios of this target")
    parser.addoption("--guest", help="only run this scenario")


def selected_cases(config):
    targets = ([config.getoption("target")] if config.getoption("target")
               else target_names(with_variants=True))
    guest = config.getoption("guest")
    cases = []
    for name in targets:
        for scenario, spec in load_scenarios(load_target(name).arch, name).items():
            # A scenario that says it does not apply to a target (`skip`, shown
            # with its reason by `lab list`) is not a test of that target; an
            # interactive one (Linux) has its own test, tests/test_linux.py.
            if guest in (None, scenario) and not spec.skip and not spec.interactive:
                cases.append((name, scenario))
    return cases


def pytest_generate_tests(metafunc):
    if {"target_name", "scenario_name"} <= set(metafunc.fixturenames):
        cases = selected_cases(metafunc.config)
        metafunc.parametrize(("target_name", "scenario_name"), cases,
                             ids=[f"{t}-{s}" for t, s in cases])


_state = {}     # target name -> None (built) or (outcome, message)


def _prepare(name):
    target = load_target(name)
    try:
        lab.ensure_tools(target)
    except TargetUnavailable as e:
        return ("skip", str(e))          # hardware this machine lacks: skipped even in CI
    except HarnessError as e:
        return ("fail" if os.environ.get("CI") else "skip", f"target {name} cannot run here: {e}")
    try:
        lab.build(target, echo=False)
    except HarnessError as e:
        return ("fail", str(e))
    return None


@pytest.fixture
def built_target(target_name):
    """The target, with every scenario image built (once per session)."""
    if target_name not in _state:
        _state[target_name] = _prepare(target_name)
    problem = _state[target_name]
    if problem:
        outcome, message = problem
        (pytest.skip if outcome == "skip" else pytest.fail)(message)
    return target_name


@pytest.fixture(scope="session")
def linux_prepared():
    """build/linux/ holds the kernel and initramfs: prepared now when we are
    root (as `./lab test` installs packages), else skipped with the command."""
    problem = _prepare("arm64") if "arm64" not in _state else _state["arm64"]
    _state["arm64"] = problem
    if problem:
        (pytest.skip if problem[0] == "skip" else pytest.fail)(problem[1])
    if linux.missing() and (os.environ.get("CI") or os.geteuid() == 0):
        try:
            linux.prepare(if_missing=True)
        except HarnessError as e:
            (pytest.fail if os.environ.get("CI") else pytest.skip)(f"prepare-linux: {e}")
    problem = linux.missing()
    if problem:
        pytest.skip(problem)
