"""Interface synthesis: the least resource that keeps a task set
schedulable. Given a period Π, the minimum budget Θ such that the task set
passes its test on Γ = (Π, Θ) (EDF or FP inside, one processor), or on
μ = ⟨Π, Θ, m'⟩ (global EDF inside, m' processors).

Each test's verdict only improves as Θ grows (the sbf does, for every t),
so a binary search between a lower bound (Θ >= U·Π: the resource must at
least keep up on average) and the most the period holds (Π, or m'·Π) finds
the least Θ in O(log Π) tests. tests/test_rt_interface.py checks that
Θ − 1 fails."""
from math import ceil

from .demand import edf_test, fp_test
from .global_edf import gedf_on_mpr
from .model import MPR, ModelError, PeriodicResource, task_set, utilisation

SCHEDULERS = {"edf": edf_test, "fp": fp_test}


def _least(lo: int, hi: int, passes) -> int | None:
    """The least Θ in [lo, hi] with passes(Θ), for a monotone passes; None if none."""
    if lo > hi or not passes(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if passes(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def periodic_interface(tasks, period: int, scheduler: str = "edf") -> PeriodicResource | None:
    """The least Θ for Γ = (Π, Θ) under `scheduler` ("edf", or "fp" in the
    tasks' order); None if even Θ = Π (the whole processor) is not enough."""
    if scheduler not in SCHEDULERS:
        raise ModelError(f"scheduler '{scheduler}': expected one of {', '.join(SCHEDULERS)}")
    tasks = task_set(tasks, cpus=1, constrained=scheduler == "fp",
                     analysis="response-time analysis")
    PeriodicResource(period, 0)                 # checks Π
    test = SCHEDULERS[scheduler]
    lo = ceil(utilisation(tasks) * period)
    budget = _least(lo, period, lambda b: bool(test(tasks, PeriodicResource(period, b))))
    return None if budget is None else PeriodicResource(period, budget)


def mpr_interface(tasks, period: int, m: int) -> MPR | None:
    """The least Θ for μ = ⟨Π, Θ, m'⟩ with global EDF inside (gedf_on_mpr);
    None if even Θ = m'Π is not enough for that test."""
    tasks = task_set(tasks, cpus=m, constrained=True, analysis="gEDF on an MPR")
    MPR(period, 0, m)                           # checks Π and m'
    # the test needs Θ/Π > U strictly
    lo = utilisation(tasks) * period
    lo = int(lo) + 1 if lo == int(lo) else ceil(lo)
    budget = _least(lo, m * period, lambda b: bool(gedf_on_mpr(tasks, MPR(period, b, m))))
    return None if budget is None else MPR(period, budget, m)


def mpr_servers(resource: MPR) -> list[PeriodicResource]:
    """One periodic server per virtual processor that together supply μ
    (Easwaran, Shin and Lee 2009, Definition 1): with Θ = m'α + β, β of
    them get α + 1 and the others α, all with period Π. Each supplies its
    budget in every period, on its own processor, so in every period they
    supply Θ on at most m' processors at once: a supply pattern of μ."""
    alpha, beta = divmod(resource.budget, resource.m)
    return [PeriodicResource(resource.period, alpha + (1 if j < beta else 0))
            for j in range(resource.m)]
