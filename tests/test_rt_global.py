"""rt/global_edf.py against simulation: whenever GFB, BAK, BCL (m
dedicated processors) or the gEDF test on an MPR μ says "schedulable",
global EDF in rt/simulate.py meets every deadline, from a synchronous
release and from random sporadic releases, and on the MPR under random
placements of its budget and its early/late extremes."""
from math import lcm

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rt.global_edf import bak, bcl, gedf_on_mpr, gfb
from rt.interface import mpr_interface
from rt.model import MPR, Task, hyperperiod
from rt.simulate import early, late, pattern, simulate, sporadic_releases
from rt.supply import sbf_mpr_2008
from rt_strategies import placements_sequence, rt_settings, task_sets

DEDICATED_TESTS = {"GFB": gfb, "BAK": bak, "BCL": bcl}


def _horizon(tasks, period: int = 1) -> int:
    return 2 * lcm(hyperperiod(tasks), period) + max(t.D for t in tasks)


@rt_settings(120)
@given(st.sampled_from(sorted(DEDICATED_TESTS)), st.integers(2, 3), st.data())
def test_dedicated_tests_are_safe(name, m, data):
    tasks = data.draw(task_sets(cpus=m, n_max=5))
    assume(DEDICATED_TESTS[name](tasks, m))
    horizon = _horizon(tasks)
    assert not simulate(tasks, horizon, "edf", m=m).missed()
    delays = [data.draw(st.lists(st.integers(0, 4), min_size=1, max_size=4)) for _ in tasks]
    run = simulate(tasks, horizon, "edf", m=m, releases=sporadic_releases(tasks, horizon, delays))
    assert not run.missed()


@rt_settings(80)
@given(task_sets(cpus=2, n_max=4), st.integers(1, 5), st.integers(2, 3), st.data())
def test_gedf_on_mpr_is_safe(tasks, period, m, data):
    res = mpr_interface(tasks, period, m)
    assume(res is not None)
    assert gedf_on_mpr(tasks, res)
    horizon = _horizon(tasks, period)
    periods = horizon // period + 1
    shape = data.draw(st.sampled_from(["random", "early-late", "late-early"]))
    if shape == "random":
        placements = data.draw(placements_sequence(period, res.budget, m, periods))
    else:
        first, rest = early(period, res.budget, m), late(period, res.budget, m)
        if shape == "late-early":
            first, rest = rest, first
        placements = [first] + [rest] * (periods - 1)
    supply = pattern(period, lambda k: placements[k], horizon)
    delays = [data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3)) for _ in tasks]
    offset = data.draw(st.integers(0, period))
    run = simulate(tasks, horizon, "edf", m=m, supply=supply,
                   releases=sporadic_releases(tasks, horizon, delays, offset))
    assert not run.missed(), (res, shape, placements[:3])


def test_verdicts_on_a_known_set():
    """Three tasks (2, 5), (3, 7), (4, 10) and (1, 4) on 2 processors: the
    density bound accepts (Σλ = 207/140 <= 2 − 3/7), BAK and BCL do not:
    none of the three dominates the others."""
    tasks = [Task(2, 5), Task(3, 7), Task(4, 10), Task(1, 4)]
    assert gfb(tasks, 2) and not bak(tasks, 2) and not bcl(tasks, 2)
    assert not simulate(tasks, _horizon(tasks), "edf", m=2).missed()


@pytest.mark.parametrize("tasks, says", [
    ([Task(1, 4), Task(2, 5), Task(7, 10)], (False, False, True)),
    ([Task(1, 3), Task(3, 10), Task(3, 10)], (True, True, False)),
])
def test_neither_gfb_nor_bcl_dominates(tasks, says):
    """On 2 processors: a heavy task (density 0.7) defeats the density
    bound and BAK, while BCL, looking at each task's own window, accepts;
    and the other way round. Both sets meet every deadline."""
    assert (bool(gfb(tasks, 2)), bool(bak(tasks, 2)), bool(bcl(tasks, 2))) == says
    assert not simulate(tasks, _horizon(tasks), "edf", m=2).missed()


def test_three_unit_jobs_do_not_fit_two_processors():
    """Found by test_gedf_on_mpr_is_safe while writing the MPR test: three
    jobs of one unit due one unit after release cannot share 2 processors.
    A continuous-time reading (interference capped at D_k − C_k, demand
    m'C_k, DEM <= sbf) accepted it: DEM = 2 = sbf(1). In integer time a
    miss needs D_k − C_k + 1 slots lost, and the test must be strict."""
    tasks = [Task(1, 2, 1), Task(1, 2, 1), Task(1, 3, 1)]
    assert simulate(tasks, 6, "edf", m=2).missed()
    assert not gedf_on_mpr(tasks, MPR(1, 2, 2))


def test_the_2008_sbf_lets_a_deadline_miss_through():
    """The over-estimating MPR sbf (supply.sbf_mpr_2008) at work: a(5, 8, 7)
    and b(3, 5, 4) under gEDF. With it, the test accepts μ = ⟨4, 7, 2⟩;
    with the exact sbf it asks for Θ = 8. And ⟨4, 7, 2⟩ does not suffice:
    the budget alternately early ([2,2,2,1]) and late ([1,2,2,2]) in its
    periods, a valid supply of μ, makes b's job released at 35 miss at 39."""
    tasks = [Task(5, 8, 7, name="a"), Task(3, 5, 4, name="b")]
    assert gedf_on_mpr(tasks, MPR(4, 7, 2), sbf=sbf_mpr_2008)
    assert not gedf_on_mpr(tasks, MPR(4, 7, 2))
    assert mpr_interface(tasks, 4, 2) == MPR(4, 8, 2)
    supply = pattern(4, lambda k: early(4, 7, 2) if k % 2 == 0 else late(4, 7, 2), 40)
    missed = simulate(tasks, 40, "edf", m=2, supply=supply).missed()
    assert [(j.task, j.release, j.deadline, j.finish) for j in missed] == [(1, 35, 39, 40)]
