"""Supply bound functions: the least processor time a resource is sure to
give in any interval of length t, sbf(t), and a straight line below it,
lsbf(t). A component is schedulable on a resource when its demand never
exceeds the sbf (demand.py, interface.py, global_edf.py).

- Dedicated processors: sbf(t) = m·t.
- The periodic resource Γ = (Π, Θ) (Shin and Lee, RTSS 2003).
- The multiprocessor periodic resource μ = ⟨Π, Θ, m'⟩ (Easwaran, Shin and
  Lee, Real-Time Systems 43(1), 2009). Published and implemented forms of
  its sbf differ: sbf_mpr_2008() is kept to show one that over-estimates
  (docs/rt-analysis.md); sbf_mpr() is the one the library uses.

Time is integer (whole time units, supply given in unit slots), and every
formula is checked against worst_case.py, which finds the least supply by
enumerating every placement of the budget."""
from dataclasses import dataclass
from fractions import Fraction
from math import ceil

from .model import MPR, PeriodicResource


# -- the periodic resource Γ = (Π, Θ) -------------------------------------------

def sbf_periodic(res: PeriodicResource, t: int) -> int:
    """sbf_Γ(t), Shin and Lee: in the worst case the budget of one period
    came at its start and that of the next comes at its end, a blackout of
    2(Π−Θ); then Θ in every period. With y = ⌊(t − (Π−Θ))/Π⌋ whole periods
    after the first gap, sbf(t) = yΘ + max(0, t − 2(Π−Θ) − yΠ)."""
    period, budget = res.period, res.budget
    gap = period - budget                       # Π − Θ
    if t <= gap or budget == 0:
        return 0
    y = (t - gap) // period
    return y * budget + max(0, t - 2 * gap - y * period)


def lsbf_periodic(res: PeriodicResource, t: int) -> Fraction:
    """lsbf_Γ(t) = (Θ/Π)·(t − 2(Π−Θ)), and 0 before: a line under sbf_Γ."""
    return max(Fraction(0), res.bandwidth * (t - 2 * (res.period - res.budget)))


# -- the multiprocessor periodic resource μ = ⟨Π, Θ, m'⟩ ------------------------

def sbf_mpr(res: MPR, t: int) -> int:
    """sbf_μ(t), the corrected form (Easwaran, Shin and Lee 2009): the budget
    Θ = m'α + β (α = ⌊Θ/m'⌋, 0 <= β < m') comes as α slots on all m'
    processors and one slot on β of them. In the worst case a period's
    budget comes as early as possible and the next one's as late as
    possible. With t' = t − (Π − ⌈Θ/m'⌉), x = t' mod Π and y = Π − α:

        sbf(t) = ⌊t'/Π⌋·Θ + max(0, m'x − (m'Π − Θ)) − (m' − β)·[x ∉ [1, y]]

    The last term is the lesson: when x ∉ [1, y] both ends of the interval
    cut through a β slot, and each gives only β instead of m'. It applies
    when α > 0 and β > 0: with β = 0 there is no partial slot, and with
    α = 0 the whole budget fits in one slot, which a partial period can
    miss entirely (the max(0, ...) term says so already). Read without
    these conditions it is safe but pessimistic by m' − β. So applied, the
    formula equals the enumerated worst case exactly (tests/test_rt_supply.py).
    Compare sbf_mpr_2008(), which omits the term and so claims supply that
    a real placement does not give (docs/rt-analysis.md)."""
    period, budget, m = res.period, res.budget, res.m
    if budget == 0:
        return 0
    alpha, beta = divmod(budget, m)
    t_shift = t - (period - ceil(Fraction(budget, m)))        # t'
    if t_shift < 0:
        return 0
    k, x = divmod(t_shift, period)
    supply = k * budget + max(0, m * x - (m * period - budget))
    if alpha and beta and not 1 <= x <= period - alpha:
        supply -= m - beta
    return max(0, supply)


def sbf_mpr_2008(res: MPR, t: int) -> int:
    """The sbf_μ of the first publication (Shin, Easwaran and Lee, ECRTS
    2008, Eq. 1), as implementations in circulation still compute it:
    k = ⌊(t − (Π − ⌈Θ/m'⌉))/Π⌋, sbf(t) = kΘ + max(0, m'(t − 2Π + ⌈Θ/m'⌉ −
    kΠ) + Θ). Exact when m' divides Θ; otherwise it OVER-ESTIMATES the
    supply (e.g. Π=4, Θ=3, m'=2: it promises 3 units in 6, a placement
    gives 2). Kept only to be shown wrong: tests/test_rt_supply.py."""
    period, budget, m = res.period, res.budget, res.m
    if budget == 0:
        return 0
    c = ceil(Fraction(budget, m))
    if t < period - c:
        return 0
    k = (t - (period - c)) // period
    return k * budget + max(0, m * (t - 2 * period + c - k * period) + budget)


def lsbf_mpr(res: MPR, t: int) -> Fraction:
    """lsbf_μ(t) = (Θ/Π)·(t − 2(Π − Θ/m')), and 0 before: a line under
    sbf_μ (Easwaran, Shin and Lee)."""
    delay = 2 * (res.period - Fraction(res.budget, res.m))
    return max(Fraction(0), res.bandwidth * (t - delay))


# -- one interface for the analyses ------------------------------------------------

@dataclass(frozen=True)
class Supply:
    """What an analysis needs to know of a resource: its sbf, and the facts
    that bound every search over interval lengths:
      rate   α: sbf grows at α on average and never exceeds α·t;
      delay  Δ: sbf(t) >= α·(t − Δ) (the lsbf);
      regular_from t0, every p: sbf(t + p) = sbf(t) + α·p for t >= t0."""
    name: str
    sbf: object                 # t -> int
    rate: Fraction
    delay: Fraction
    regular_from: int
    every: int
    processors: int = 1         # at most this many at once

    def lsbf(self, t: int) -> Fraction:
        return max(Fraction(0), self.rate * (t - self.delay))

    def inverse(self, work: int) -> int | None:
        """The shortest interval certain to supply `work`: min t with
        sbf(t) >= work; None if the resource supplies nothing. A binary
        search between 0 and ⌈work/α + Δ⌉, where the lsbf, and so the sbf,
        has reached `work`."""
        if work <= 0:
            return 0
        if self.rate == 0:
            return None
        lo, hi = 0, ceil(work / self.rate + self.delay)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.sbf(mid) >= work:
                hi = mid
            else:
                lo = mid + 1
        return lo


def dedicated(m: int = 1) -> Supply:
    """m processors all the time: sbf(t) = m·t."""
    return Supply(f"{m} dedicated processor(s)", lambda t: m * max(t, 0), Fraction(m),
                  Fraction(0), 0, 1, processors=m)


def supply_of(resource) -> Supply:
    """The Supply of a PeriodicResource, an MPR, or None (one dedicated processor)."""
    if resource is None:
        return dedicated(1)
    if isinstance(resource, PeriodicResource):
        return Supply(str(resource), lambda t: sbf_periodic(resource, t), resource.bandwidth,
                      Fraction(2 * (resource.period - resource.budget)),
                      resource.period - resource.budget, resource.period)
    if isinstance(resource, MPR):
        gap = resource.period - ceil(Fraction(resource.budget, resource.m))
        # past ⌈m'/Θ⌉ periods the correction term can no longer be clipped at 0
        settle = resource.period * ceil(Fraction(resource.m, max(resource.budget, 1)))
        return Supply(str(resource), lambda t: sbf_mpr(resource, t), resource.bandwidth,
                      2 * (resource.period - Fraction(resource.budget, resource.m)),
                      gap + settle, resource.period, processors=resource.m)
    raise TypeError(f"not a resource model: {resource!r}")
