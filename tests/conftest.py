"""pytest wiring: --target/--guest select part of the suite, and each target
is built once per session (pytest-xdist workers take turns at a target's
build folder through a lock file, harness/lock.py). A target needing
hardware this machine lacks (KVM with nested VT-x or AMD-V) is skipped with
the reason. A target whose tools are missing is skipped too, except under
CI (CI=true), where it fails. A build error always fails. Interactive
scenarios (the Linux shell) have their own test, test_linux.py; its files
are prepared here as root, and skipped with the reason elsewhere (under CI
they fail). At the end, a table sums up the outcomes per target."""
import os
from collections import defaultdict

import pytest

from harness import HarnessError, TargetUnavailable, hosted, kvm_machine, lab, linux, logs
from harness.scenario import load_scenarios
from harness.target import load_target, target_names


def pytest_addoption(parser):
    parser.addoption("--target", help="only run scenarios of this target")
    parser.addoption("--guest", help="only run this scenario")


def pytest_configure(config):
    if not hasattr(config, "workerinput"):      # the controller: workers inherit the folder
        logs.start("test")


def selected_cases(config, interactive: bool = False):
    """(target, scenario) pairs --target and --guest select: the scenarios
    that apply to the target, interactive ones or the others."""
    targets = ([config.getoption("target")] if config.getoption("target")
               else target_names(with_variants=True))
    guest = config.getoption("guest")
    cases = []
    for name in targets:
        if name in hosted.MACHINES:
            continue        # a Linux module, not a scenario: tests/test_hosted.py
        if kvm_machine.is_machine(load_target(name)):
            continue        # its scenarios share one boot: tests/test_kvm_machine.py
        for scenario, spec in load_scenarios(load_target(name).arch, name).items():
            # A scenario that says it does not apply to a target (`skip`, shown
            # with its reason by `lab list`) is not a test of that target.
            if guest in (None, scenario) and not spec.skip and spec.interactive == interactive:
                cases.append((name, scenario))
    return cases


def pytest_generate_tests(metafunc):
    names = set(metafunc.fixturenames)
    for fixtures, interactive in ((("target_name", "scenario_name"), False),
                                  (("shell_target", "shell_scenario"), True)):
        if set(fixtures) <= names:
            cases = selected_cases(metafunc.config, interactive)
            metafunc.parametrize(fixtures, cases, ids=[f"{t}-{s}" for t, s in cases])
    if "case" in names:         # a test module's own ON = [(target, scenario), ...]
        selected = set(selected_cases(metafunc.config))
        chosen = [c for c in metafunc.module.ON if c in selected]
        metafunc.parametrize("case", chosen, ids=[f"{t}-{s}" for t, s in chosen])


def pytest_collection_modifyitems(config, items):
    """A test whose every case --target/--guest left out is not a test of
    this run: deselected, not reported as skipped."""
    empty = [i for i in items if any(m.kwargs.get("reason", "").startswith("got empty parameter set")
                                     for m in i.iter_markers("skip"))]
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [i for i in items if i not in empty]


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


def _target_ready(name, request):
    request.node.user_properties.append(("target", name))
    if name not in _state:
        _state[name] = _prepare(name)
    problem = _state[name]
    if problem:
        outcome, message = problem
        (pytest.skip if outcome == "skip" else pytest.fail)(message)
    return name


def _linux_ready() -> None:
    """The Linux guest's kernel and busybox (downloads/linux-arm64/):
    prepared now when we are root (as `./lab test` installs packages), else
    skipped with the command (failed under CI)."""
    if linux.missing() and (os.environ.get("CI") or os.geteuid() == 0):
        try:
            linux.prepare(if_missing=True)
        except HarnessError as e:
            (pytest.fail if os.environ.get("CI") else pytest.skip)(f"prepare-linux: {e}")
    problem = linux.missing()
    if problem:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(problem)


def _scenario_ready(target: str, scenario: str, request) -> None:
    _target_ready(target, request)
    if linux.GUEST in load_scenarios(load_target(target).arch, target)[scenario].vms.values():
        _linux_ready()
        lab.build(load_target(target), echo=False)      # now with the Linux scenarios


@pytest.fixture
def built_target(target_name, scenario_name, request):
    """The target, with every scenario image built (once per session)."""
    _scenario_ready(target_name, scenario_name, request)
    return target_name


@pytest.fixture
def built_case(case, request):
    """One (target, scenario) of the module's ON list, its target built."""
    _scenario_ready(*case, request)
    return case


@pytest.fixture
def linux_prepared(shell_target, shell_scenario, request):
    """The target of an interactive Linux scenario, its guest prepared."""
    _scenario_ready(shell_target, shell_scenario, request)
    return shell_target


# -- the summary at the end ----------------------------------------------------

_outcomes = defaultdict(lambda: defaultdict(int))     # target -> outcome -> count


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        target = dict(report.user_properties).get("target", "(harness)")
        _outcomes[target][report.outcome] += 1
        _outcomes[target]["seconds"] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _outcomes:
        return
    from rich.console import Console
    from rich.table import Table
    table = Table(title="per target", title_justify="left")
    for column in ("target", "passed", "failed", "skipped", "seconds"):
        table.add_column(column, justify="left" if column == "target" else "right")
    for target in sorted(_outcomes):
        o = _outcomes[target]
        failed = o["failed"]
        table.add_row(target, str(o["passed"]), f"[red]{failed}[/red]" if failed else "0",
                      str(o["skipped"]), f"{o['seconds']:.0f}")
    Console(file=terminalreporter._tw._file, highlight=False).print(table)
    terminalreporter.write_line(f"logs: {os.path.relpath(logs.run_dir(), os.getcwd())}/")
