"""Global EDF on m processors: one ready queue, the m jobs with the
earliest deadlines run. Three sufficient tests for m dedicated processors
(constrained-deadline sporadic tasks), each stricter than the next is
pessimistic, and one for a multiprocessor periodic resource μ:

- GFB (Goossens, Funk and Baruah 2003, with densities): Σλ_i <= m − (m−1)·λ_max.
- BAK (Baker 2003, in the form Bertogna, Cirinei and Lipari restate, 2005).
- BCL (Bertogna, Cirinei and Lipari 2005): per task, the interference of
  the others within its deadline, each capped at its slack.
- gEDF on μ (Shin, Easwaran and Lee 2008; Easwaran, Shin and Lee 2009):
  for each τ_k and each A_k >= 0, DEM(A_k + D_k) < sbf_μ(A_k + D_k), in
  integer time (mpr_demand says why each term is what it is).

A "schedulable" from any of them is checked against simulate.py by
tests/test_rt_global.py."""
from fractions import Fraction
from math import floor

from .demand import dbf
from .model import MPR, Task, Verdict, task_set, utilisation
from .supply import supply_of

ONE = Fraction(1)


def gfb(tasks, m: int) -> Verdict:
    """Density bound: Σλ_i <= m − (m − 1)·λ_max, λ = C/min(D, T)."""
    tasks = task_set(tasks, cpus=m, constrained=True, analysis="GFB")
    total = sum((t.density for t in tasks), Fraction(0))
    top = max(t.density for t in tasks)
    bound = m - (m - 1) * top
    ok = total <= bound
    return Verdict(ok, f"GFB on {m} processors",
                   f"Σλ={total} {'<=' if ok else '>'} m − (m−1)λ_max = {bound}")


def _bak_beta(i: Task, k: Task, lam: Fraction) -> Fraction:
    beta = i.U * (1 + Fraction(i.T - i.D, k.D))
    if lam < i.U:
        beta += Fraction(i.C, k.D) - lam * Fraction(i.T, k.D)
    return beta


def bak(tasks, m: int) -> Verdict:
    """For every τ_k, with λ_k = C_k/D_k: Σ_i min(1, β_i) <= m(1 − λ_k) + λ_k, where
    β_i = U_i(1 + (T_i − D_i)/D_k), plus (C_i − λ_k T_i)/D_k when λ_k < U_i."""
    tasks = task_set(tasks, cpus=m, constrained=True, analysis="BAK")
    for k in tasks:
        lam = Fraction(k.C, k.D)
        load = sum((min(ONE, _bak_beta(i, k, lam)) for i in tasks), Fraction(0))
        bound = m * (1 - lam) + lam
        if load > bound:
            return Verdict(False, f"BAK on {m} processors",
                           f"{k.label}: Σmin(1, β_i)={load} > m(1−λ_k)+λ_k={bound}", witness=k)
    return Verdict(True, f"BAK on {m} processors", "Σmin(1, β_i) <= m(1−λ_k)+λ_k for every τ_k")


def bcl_workload(i: Task, window: int) -> int:
    """The most τ_i can execute inside a window of length `window` that ends
    at a deadline of the task under analysis, counting only jobs with
    deadlines in it: N_i·C_i + min(C_i, max(0, window − N_i·T_i)), where
    N_i = ⌊(window − D_i)/T_i⌋ + 1 jobs have their deadline in it."""
    n = (window - i.D) // i.T + 1
    return max(0, n) * i.C + min(i.C, max(0, window - max(0, n) * i.T))


def bcl(tasks, m: int) -> Verdict:
    """For every τ_k: Σ_{i≠k} min(β_i, 1 − λ_k) < m(1 − λ_k), or = with some
    0 < β_i <= 1 − λ_k, where β_i = bcl_workload(τ_i, D_k)/D_k."""
    tasks = task_set(tasks, cpus=m, constrained=True, analysis="BCL")
    for idx, k in enumerate(tasks):
        lam = Fraction(k.C, k.D)
        cap = 1 - lam
        betas = [Fraction(bcl_workload(i, k.D), k.D) for j, i in enumerate(tasks) if j != idx]
        load = sum((min(b, cap) for b in betas), Fraction(0))
        ok = load < m * cap or (load == m * cap and any(0 < b <= cap for b in betas))
        if not ok:
            return Verdict(False, f"BCL on {m} processors",
                           f"{k.label}: Σmin(β_i, 1−λ_k)={load} vs m(1−λ_k)={m * cap}", witness=k)
    return Verdict(True, f"BCL on {m} processors", "Σmin(β_i, 1−λ_k) < m(1−λ_k) for every τ_k")


# -- global EDF on a multiprocessor periodic resource ----------------------------

def _carry_in_workload(i: Task, t: int) -> int:
    """W_i(t) with a carry-in job: dbf_i(t) plus the job released before the
    window whose deadline falls inside it, min(C_i, max(0, t − N_i·T_i))."""
    n = (t + i.T - i.D) // i.T
    return dbf(i, t) + min(i.C, max(0, t - n * i.T))


def mpr_demand(tasks, k: int, a_k: int, m: int) -> int:
    """DEM(A_k + D_k, m') in integer time. Suppose τ_k's job J, released A_k
    after the window [a, d) starts (d its deadline; a is the last instant
    before which some supplied processor was not busy with more urgent
    work), misses. Then J runs in at most C_k − 1 slots, which supply at
    most m'(C_k − 1). Among the other slots take any L − C_k + 1 (L =
    A_k + D_k): in each, every supplied processor runs a job due by d, and
    a task runs on one processor per slot, so task i supplies at most
    min(its work, L − C_k + 1) of them; τ_k's own earlier jobs at most A_k.
    Its work: dbf_i(L) (Î_i), or with a carry-in job released before a
    (Ī_i), which at most m' − 1 tasks have. So the supply of the window,
    at least sbf(L), is at most
        DEM = m'(C_k − 1) + Σ_i Î_i + (the m' − 1 largest Ī_i − Î_i),
    and DEM < sbf(L) rules the miss out."""
    task = tasks[k]
    t = a_k + task.D
    cap = t - task.C + 1
    plain, extra = [], []
    for i, other in enumerate(tasks):
        if i == k:
            hat = min(dbf(other, t) - task.C, a_k)
            bar = min(_carry_in_workload(other, t) - task.C, a_k)
        else:
            hat = min(dbf(other, t), cap)
            bar = min(_carry_in_workload(other, t), cap)
        plain.append(hat)
        extra.append(bar - hat)
    return m * (task.C - 1) + sum(plain) + sum(sorted(extra, reverse=True)[:m - 1])


def mpr_window_bound(tasks, k: int, resource: MPR) -> int | None:
    """The largest A_k worth checking: DEM(t) <= (m'−1)C_k + U·t +
    Σ(T_i − D_i)U_i + (sum of the m'−1 largest C_i), and sbf_μ(t) >=
    α(t − Δ) (lsbf_μ); past the t where the line catches up, DEM < sbf
    holds. None when α = Θ/Π does not exceed U: no such t."""
    supply = supply_of(resource)
    u = utilisation(tasks)
    if supply.rate <= u:
        return None
    m, task = resource.m, tasks[k]
    carry = sum(sorted((t.C for t in tasks), reverse=True)[:m - 1])
    slack = sum(((t.T - t.D) * t.U for t in tasks), Fraction(0))
    reach = ((m - 1) * task.C + slack + carry + supply.rate * supply.delay) / (supply.rate - u)
    return max(0, floor(reach) - task.D)


def gedf_on_mpr(tasks, resource: MPR, sbf=None) -> Verdict:
    """Global EDF inside a component served by μ = ⟨Π, Θ, m'⟩ (Shin,
    Easwaran and Lee's Theorem, in integer time: see mpr_demand): for each
    τ_k and each integer A_k in [0, mpr_window_bound], DEM < sbf_μ(A_k + D_k).
    `sbf`: another sbf(μ, t) to try in its place (e.g. supply.sbf_mpr_2008,
    to see what an over-estimating form lets through)."""
    tasks = task_set(tasks, cpus=resource.m, constrained=True, analysis="gEDF on an MPR")
    name = f"gEDF on {resource}"
    supply = supply_of(resource)
    checked = 0
    for k, task in enumerate(tasks):
        last = mpr_window_bound(tasks, k, resource)
        if last is None:
            return Verdict(False, name, f"Θ/Π={resource.bandwidth} does not exceed "
                           f"U={utilisation(tasks)}: the test needs slack")
        for a_k in range(last + 1):
            t = a_k + task.D
            demand = mpr_demand(tasks, k, a_k, resource.m)
            given = sbf(resource, t) if sbf else supply.sbf(t)
            if demand >= given:
                return Verdict(False, name, f"{task.label}, A_k={a_k}: DEM={demand} >= "
                               f"sbf={given}", witness=(task, a_k))
            checked += 1
    return Verdict(True, name, f"DEM < sbf_μ at all {checked} (τ_k, A_k) pairs",
                   details={"points": checked})
