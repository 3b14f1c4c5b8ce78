"""rt/demand.py against simulation (rt/simulate.py) and against itself:
the EDF processor-demand test and fixed-priority response-time analysis,
on one processor and on a periodic resource Γ = (Π, Θ).

On one processor and under the worst-case supply pattern (the budget early
in the first period and late in every later one, tasks released when the
first budget ends) both are exact: EDF's verdict is whether the
synchronous release misses, and R_i is the first job's measured response.
Under any other periodic-resource pattern and sporadic releases, a
"schedulable" verdict must hold, and no response may exceed R_i."""
from math import lcm

from hypothesis import assume, given
from hypothesis import strategies as st

from rt.demand import dbf_total, edf_test, edf_testing_bound, fp_test, response_time
from rt.model import PeriodicResource, hyperperiod
from rt.simulate import (pattern, simulate, sporadic_releases, synchronous_releases,
                         worst_case_pattern)
from rt.supply import dedicated, sbf_periodic, supply_of
from rt_strategies import periodic_resources, placements_sequence, rt_settings, task_sets


def _horizon(tasks, res=None) -> int:
    """Two hyperperiods (of the tasks and the resource) past the first
    budget, and the longest deadline: every pattern has repeated by then."""
    period = lcm(hyperperiod(tasks), res.period if res else 1)
    return (res.budget if res else 0) + 2 * period + max(t.D for t in tasks)


def _misses_by(schedule, t: int) -> list:
    return [j for j in schedule.missed() if j.deadline <= t]


@rt_settings(150)
@given(task_sets(constrained=False))
def test_edf_verdict_is_the_synchronous_simulation(tasks):
    """One processor: schedulable iff the synchronous release meets every
    deadline. A "no" names an interval t; the simulation misses by t."""
    verdict = edf_test(tasks)
    if verdict:
        assert not simulate(tasks, _horizon(tasks), "edf").missed(), verdict
    else:
        t = verdict.witness
        assert _misses_by(simulate(tasks, t + 1, "edf"), t), verdict


@rt_settings(150)
@given(task_sets(), periodic_resources())
def test_edf_on_periodic_resource_is_exact_at_worst_case_supply(tasks, res):
    """Under the supply pattern that realises sbf_Γ from slot Θ on, tasks
    released at Θ miss a deadline iff the test says no."""
    verdict = edf_test(tasks, res)
    start = res.budget
    if verdict:
        horizon = _horizon(tasks, res)
        supply = worst_case_pattern(res.period, res.budget, horizon)
        run = simulate(tasks, horizon, "edf", supply=supply,
                       releases=synchronous_releases(tasks, horizon, start))
        assert not run.missed(), verdict
    else:
        t = verdict.witness
        horizon = start + t + 1
        supply = worst_case_pattern(res.period, res.budget, horizon)
        run = simulate(tasks, horizon, "edf", supply=supply,
                       releases=synchronous_releases(tasks, horizon, start))
        assert _misses_by(run, start + t), verdict


@rt_settings(100)
@given(task_sets(), periodic_resources(), st.data())
def test_edf_schedulable_holds_for_any_supply_and_sporadic_releases(tasks, res, data):
    assume(edf_test(tasks, res))
    horizon = _horizon(tasks, res)
    placements = data.draw(placements_sequence(res.period, res.budget, 1,
                                               horizon // res.period + 1))
    supply = pattern(res.period, lambda k: placements[k], horizon)
    delays = [data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=4)) for _ in tasks]
    offset = data.draw(st.integers(0, res.period))
    run = simulate(tasks, horizon, "edf", supply=supply,
                   releases=sporadic_releases(tasks, horizon, delays, offset))
    assert not run.missed()


@rt_settings(150)
@given(task_sets(constrained=False), st.one_of(st.none(), periodic_resources()))
def test_edf_testing_bound_is_safe(tasks, res):
    """When the test says yes after checking deadlines up to L, dbf <= sbf
    holds much further out too (three more stretches of lcm(H, Π))."""
    supply = supply_of(res)
    verdict = edf_test(tasks, res)
    if not verdict:
        t = verdict.witness
        assert t is None or dbf_total(tasks, t) > supply.sbf(t)
        return
    limit, _ = edf_testing_bound(tasks, supply)
    far = limit + 3 * lcm(hyperperiod(tasks), supply.every)
    assert all(dbf_total(tasks, t) <= supply.sbf(t) for t in range(far + 1))


@rt_settings(150)
@given(task_sets(), st.one_of(st.none(), periodic_resources()))
def test_response_time_is_the_first_jobs_at_worst_case(tasks, res):
    """Synchronous release at the worst-case supply: the first job of each
    task responds in exactly R_i (or misses, when R_i > D_i)."""
    start = res.budget if res else 0
    horizon = start + max(t.D for t in tasks) + 1
    supply = worst_case_pattern(res.period, res.budget, horizon) if res else None
    run = simulate(tasks, horizon, "fp", supply=supply,
                   releases=synchronous_releases(tasks, horizon, start))
    for i, task in enumerate(tasks):
        first = next(j for j in run.jobs if j.task == i and j.index == 0)
        r = response_time(tasks, i, res)
        if r is None:
            assert first.response is None or first.response > task.D
        else:
            assert first.response == r


@rt_settings(100)
@given(task_sets(), periodic_resources(), st.data())
def test_no_response_exceeds_the_analysis(tasks, res, data):
    """FP schedulable: under any periodic-resource pattern and sporadic
    releases, every job's response is at most R_i."""
    verdict = fp_test(tasks, res)
    assume(verdict)
    horizon = _horizon(tasks, res)
    placements = data.draw(placements_sequence(res.period, res.budget, 1,
                                               horizon // res.period + 1))
    supply = pattern(res.period, lambda k: placements[k], horizon)
    delays = [data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=4)) for _ in tasks]
    run = simulate(tasks, horizon, "fp", supply=supply,
                   releases=sporadic_releases(tasks, horizon, delays,
                                              data.draw(st.integers(0, res.period))))
    assert not run.missed()
    for i, r in enumerate(verdict.details["R"]):
        worst = run.worst_response(i)
        assert worst is None or worst <= r


@rt_settings(100)
@given(periodic_resources(), st.data())
def test_worst_case_pattern_realises_sbf(res, data):
    """The pattern the exactness tests use gives sbf_Γ(t) from slot Θ on."""
    t = data.draw(st.integers(0, 4 * res.period))
    supply = worst_case_pattern(res.period, res.budget, res.budget + t)
    assert sum(supply[res.budget:res.budget + t]) == sbf_periodic(res, t)


def test_a_worked_example():
    """By hand: a(1, 8), b(2, 12), c(3, 24). Rate-monotonic on one
    processor: R = 1, 3, 6. On Γ = (4, 2) the first 2·(4−2) = 4 units may
    give nothing, then 2 of every 4: R_a = 5 (sbf(5) = 1 = C_a);
    R_b = 10 (2 + ⌈10/8⌉·1 = 4 = sbf(10)); R_c = 22 (3 + ⌈22/8⌉·1 +
    ⌈22/12⌉·2 = 10 = sbf(22)). EDF on Γ = (4, 1) is overloaded
    (U = 5/12 > 1/4): at t = 12, dbf = 1 + 2 = 3 > sbf = 2."""
    from rt.model import Task
    tasks = [Task(1, 8, name="a"), Task(2, 12, name="b"), Task(3, 24, name="c")]
    assert fp_test(tasks).details["R"] == [1, 3, 6]
    assert fp_test(tasks, PeriodicResource(4, 2)).details["R"] == [5, 10, 22]
    assert [sbf_periodic(PeriodicResource(4, 2), t) for t in (4, 5, 10, 22)] == [0, 1, 4, 10]
    v = edf_test(tasks, PeriodicResource(4, 1))
    assert not v and v.witness == 12 and dbf_total(tasks, 12) == 3
    assert edf_test(tasks, PeriodicResource(4, 2))
    assert dedicated(2).sbf(5) == 10
