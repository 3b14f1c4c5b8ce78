"""Hypothesis strategies and settings shared by the rt/ property tests:
small task sets and resources on integer time, small enough that brute
force and simulation stay quick. Every test is derandomized, so a run
repeats exactly (and in CI)."""
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

from rt.model import MPR, PeriodicResource, Task, utilisation


def rt_settings(examples: int):
    """A fixed set of examples (derandomize), no per-example time limit
    (deadline: the machine may be loaded), filtering allowed."""
    return settings(max_examples=examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


# Periods whose least common multiples stay small, so that simulations
# over a few hyperperiods stay short.
PERIODS = (2, 3, 4, 5, 6, 8, 10, 12)


@st.composite
def task_sets(draw, n_max: int = 4, periods=PERIODS, cpus: int = 1,
              constrained: bool = True, implicit: bool = False):
    """1..n_max tasks with T from `periods`, C <= D <= T (D <= 2T if not
    `constrained`, D = T if `implicit`), U <= cpus."""
    n = draw(st.integers(1, n_max))
    tasks = []
    for i in range(n):
        period = draw(st.sampled_from(periods))
        wcet = draw(st.integers(1, max(1, period * 3 * cpus // (2 * n))))
        assume(wcet <= period)
        deadline = period if implicit else draw(
            st.integers(wcet, period if constrained else 2 * period))
        tasks.append(Task(wcet, period, deadline, name=f"t{i}"))
    assume(utilisation(tasks) <= cpus)
    return tasks


@st.composite
def periodic_resources(draw, period_max: int = 8):
    """Γ = (Π, Θ) with Π <= period_max, any 0 <= Θ <= Π."""
    period = draw(st.integers(1, period_max))
    return PeriodicResource(period, draw(st.integers(0, period)))


@st.composite
def mprs(draw, period_max: int = 6, m_max: int = 3):
    """μ = ⟨Π, Θ, m'⟩ with Π <= period_max, m' <= m_max, any 0 <= Θ <= m'Π."""
    period = draw(st.integers(1, period_max))
    m = draw(st.integers(1, m_max))
    return MPR(period, draw(st.integers(0, m * period)), m)


@st.composite
def placements_sequence(draw, period: int, budget: int, m: int, periods: int):
    """One random placement per period: slot supplies in 0..m summing to the budget."""
    out = []
    for _ in range(periods):
        slots = [0] * period
        for _ in range(budget):
            free = [s for s in range(period) if slots[s] < m]
            slots[draw(st.sampled_from(free))] += 1
        out.append(tuple(slots))
    return out
