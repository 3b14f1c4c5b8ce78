"""rt/supply.py against rt/worst_case.py: each supply bound function is
compared with the least supply found by enumerating every placement of the
budget, period by period, on integer time. The periodic resource's and the
MPR's sbf are exact (equal to the enumeration), their linear bounds lie
below, and the first published MPR form is shown to over-estimate."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rt.model import MPR, PeriodicResource
from rt.supply import (lsbf_mpr, lsbf_periodic, sbf_mpr, sbf_mpr_2008, sbf_periodic,
                       supply_of)
from rt.worst_case import worst_case_supply, worst_case_supply_product
from rt_strategies import mprs, periodic_resources, rt_settings

HORIZON_PERIODS = 5        # interval lengths up to 5Π: past the first periods sbf repeats


@pytest.mark.parametrize("resources, sbf, lsbf", [
    (periodic_resources(), sbf_periodic, lsbf_periodic),
    (mprs(), sbf_mpr, lsbf_mpr),
], ids=["periodic", "mpr"])
@rt_settings(300)
@given(data=st.data())
def test_sbf_is_the_enumerated_worst_case(resources, sbf, lsbf, data):
    """Γ (Π <= 8) and μ (Π <= 6, m' <= 3): every Θ, t up to 5Π."""
    res = data.draw(resources)
    t = data.draw(st.integers(0, HORIZON_PERIODS * res.period))
    worst = worst_case_supply(res, t)
    assert sbf(res, t) == worst
    assert lsbf(res, t) <= worst


@rt_settings(300)
@given(mprs(), st.data())
def test_mpr_2008_form_never_under_estimates(res, data):
    """What the first form gets wrong is only ever too much supply: it is
    exact when m' divides Θ (then it agrees with sbf_mpr)."""
    t = data.draw(st.integers(0, HORIZON_PERIODS * res.period))
    assert sbf_mpr_2008(res, t) >= worst_case_supply(res, t)
    if res.budget % res.m == 0:
        assert sbf_mpr_2008(res, t) == sbf_mpr(res, t)


def test_mpr_2008_form_over_estimates_supply():
    """The counterexample (docs/rt-analysis.md): μ = ⟨Π=4, Θ=3, m'=2⟩. Every
    period gives its 3 units as 2 (both processors) in one slot and 1 in
    another. Placed early in one period ([2,1,0,0]) and late in the next
    ([0,0,1,2]), the 6 slots from slot 1 get 1 + 1 = 2 units: each end of
    the interval cuts through a slot with one unit. The 2008 formula
    promises 3, so a task set analysed with it can miss deadlines."""
    res = MPR(4, 3, 2)
    assert worst_case_supply(res, 6) == 2
    assert worst_case_supply_product(res, 6) == 2      # whole sequences, no shortcut
    assert sbf_mpr(res, 6) == 2
    assert sbf_mpr_2008(res, 6) == 3
    early, late = [2, 1, 0, 0], [0, 0, 1, 2]
    assert sum((early + late)[1:1 + 6]) == 2


@pytest.mark.parametrize("res", [PeriodicResource(3, 1), PeriodicResource(4, 2),
                                 PeriodicResource(3, 2), MPR(3, 2, 2), MPR(3, 4, 2),
                                 MPR(2, 3, 3), MPR(4, 3, 2)])
def test_period_by_period_enumeration_equals_whole_sequences(res):
    """worst_case_supply() takes each period's least supply separately; the
    product enumeration over whole placement sequences agrees."""
    for t in range(0, 2 * res.period + 2):
        assert worst_case_supply(res, t) == worst_case_supply_product(res, t)


@rt_settings(200)
@given(mprs(), st.data())
def test_more_budget_never_gives_less_supply(res, data):
    """sbf is monotone in Θ: interface synthesis can binary-search it."""
    t = data.draw(st.integers(0, HORIZON_PERIODS * res.period))
    if res.budget < res.m * res.period:
        assert sbf_mpr(MPR(res.period, res.budget + 1, res.m), t) >= sbf_mpr(res, t)
    if res.m == 1:
        one = PeriodicResource(res.period, res.budget)
        if one.budget < one.period:
            assert sbf_periodic(PeriodicResource(one.period, one.budget + 1), t) >= \
                sbf_periodic(one, t)


@rt_settings(200)
@given(st.one_of(periodic_resources(), mprs()), st.data())
def test_supply_facts_the_searches_rely_on(res, data):
    """What bounds every search (supply.Supply): sbf <= αt, sbf >= lsbf,
    sbf(t + p) = sbf(t) + αp past t0, and inverse() is the least t."""
    s = supply_of(res)
    t = data.draw(st.integers(0, HORIZON_PERIODS * res.period))
    value = s.sbf(t)
    assert value <= s.rate * t
    assert value >= s.lsbf(t)
    if t >= s.regular_from:
        assert s.sbf(t + s.every) == value + s.rate * s.every
    work = data.draw(st.integers(0, 3 * res.budget + 1))
    least = s.inverse(work)
    if res.budget == 0 and work > 0:
        assert least is None
    else:
        assert s.sbf(least) >= work and (least == 0 or s.sbf(least - 1) < work)
