"""rt/interface.py: the synthesised budget is the least that passes its
test (Θ − 1 fails), and the least is tight: one unit less and the
worst-case phasing of the supply makes a job miss in simulation."""
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rt.demand import edf_test, fp_test
from rt.global_edf import gedf_on_mpr
from rt.interface import mpr_interface, mpr_servers, periodic_interface
from rt.model import MPR, ModelError, PeriodicResource, Task
from rt.simulate import simulate, synchronous_releases, worst_case_pattern
from rt_strategies import mprs, rt_settings, task_sets

TESTS = {"edf": edf_test, "fp": fp_test}


@rt_settings(150)
@given(task_sets(), st.integers(1, 12), st.sampled_from(["edf", "fp"]))
def test_periodic_interface_is_minimal(tasks, period, scheduler):
    test = TESTS[scheduler]
    res = periodic_interface(tasks, period, scheduler)
    if res is None:
        assert not test(tasks, PeriodicResource(period, period))
        return
    assert res.period == period and test(tasks, res)
    assert res.budget == 0 or not test(tasks, PeriodicResource(period, res.budget - 1))


@rt_settings(100)
@given(task_sets(), st.integers(1, 8), st.sampled_from(["edf", "fp"]))
def test_one_unit_below_the_minimum_misses_at_worst_case_phasing(tasks, period, scheduler):
    """The supply early in one period and late in the next, the tasks
    released where the early budget ends: with Θ_min − 1, a job misses."""
    res = periodic_interface(tasks, period, scheduler)
    assume(res is not None and res.budget > 0)
    less = PeriodicResource(period, res.budget - 1)
    horizon = less.budget + 2 * max(t.D for t in tasks) * (period + 1)
    supply = worst_case_pattern(period, less.budget, horizon)
    run = simulate(tasks, horizon, scheduler, supply=supply,
                   releases=synchronous_releases(tasks, horizon, less.budget))
    assert run.missed()


@rt_settings(40)
@given(task_sets(cpus=2, n_max=4), st.integers(1, 5), st.integers(2, 3))
def test_mpr_interface_is_minimal(tasks, period, m):
    res = mpr_interface(tasks, period, m)
    if res is None:
        assert not gedf_on_mpr(tasks, MPR(period, m * period, m))
        return
    assert gedf_on_mpr(tasks, res)
    assert not gedf_on_mpr(tasks, MPR(period, res.budget - 1, m))


@rt_settings(200)
@given(mprs())
def test_mpr_servers_share_the_budget(res):
    servers = mpr_servers(res)
    assert len(servers) == res.m
    assert sum(s.budget for s in servers) == res.budget
    assert max(s.budget for s in servers) - min(s.budget for s in servers) <= 1


def test_bad_scheduler_and_overload_are_one_line():
    with pytest.raises(ModelError, match="scheduler 'rm'"):
        periodic_interface([Task(1, 4)], 4, "rm")
    with pytest.raises(ModelError, match="exceeds 1 processor"):
        periodic_interface([Task(3, 4), Task(2, 4)], 4)
