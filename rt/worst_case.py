"""The referee for supply.py: the least supply a resource can give in an
interval of length t, found by enumerating every way it may place its
budget, with no formula in between. Slow on purpose; use small Π.

A placement is what one period supplies in each of its Π unit slots: 0 or
1 for a periodic resource Γ = (Π, Θ) (Θ ones), 0..m' for an MPR
μ = ⟨Π, Θ, m'⟩ (summing to Θ). The model constrains each period on its
own, so a supply pattern is any sequence of placements, one per period.
The supply in a window is a sum over the periods the window touches, each
term depending only on that period's placement: its least value is the sum
of each term's least value, taken over all placements of that period.
(worst_case_supply_product() checks this by enumerating whole sequences.)
The window may start anywhere; shifting it by Π changes nothing, so its
start ranges over one period."""
from functools import lru_cache
from itertools import combinations, product

from .model import MPR, PeriodicResource


def placements(resource) -> list[tuple[int, ...]]:
    """Every placement of one period's budget: tuples of Π slot supplies."""
    if isinstance(resource, PeriodicResource):
        slots = range(resource.period)
        return [tuple(int(s in chosen) for s in slots)
                for chosen in map(set, combinations(slots, resource.budget))]
    if isinstance(resource, MPR):
        return list(_compositions(resource.period, resource.budget, resource.m))
    raise TypeError(f"not a resource model: {resource!r}")


@lru_cache(maxsize=None)
def _compositions(slots: int, total: int, most: int) -> tuple[tuple[int, ...], ...]:
    """Tuples of `slots` values in 0..most summing to `total`."""
    if slots == 0:
        return ((),) if total == 0 else ()
    return tuple((first,) + rest for first in range(min(most, total) + 1)
                 for rest in _compositions(slots - 1, total - first, most))


@lru_cache(maxsize=256)
def _least_in_part(resource) -> list[list[int]]:
    """least[lo][hi]: the least supply any placement gives in slots [lo, hi)
    of one period."""
    all_ = placements(resource)
    n = resource.period
    return [[min(sum(p[lo:hi]) for p in all_) for hi in range(n + 1)] for lo in range(n + 1)]


def worst_case_supply(resource, t: int) -> int:
    """The least supply `resource` gives in any interval of length t."""
    least, n = _least_in_part(resource), resource.period
    best = None
    for start in range(n):
        supply, at, end = 0, start, start + t
        while at < end:
            period_end = (at // n + 1) * n
            part_end = min(end, period_end)
            supply += least[at % n][part_end - (period_end - n)]
            at = part_end
        best = supply if best is None else min(best, supply)
    return best


def worst_case_supply_product(resource, t: int) -> int:
    """The same by brute force over whole sequences of placements (every
    combination, period by period): exponential, for tiny cases only."""
    n = resource.period
    periods = (n - 1 + t) // n + 1                  # periods a window can touch
    best = None
    for pattern in product(placements(resource), repeat=periods):
        slots = [s for p in pattern for s in p]
        for start in range(n):
            supply = sum(slots[start:start + t])
            best = supply if best is None else min(best, supply)
    return best
