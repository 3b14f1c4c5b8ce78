"""Demand: how much work a task set may need in an interval, and the two
uniprocessor tests built on it, each on any resource described by its
supply bound function (supply.py; one dedicated processor by default).

- EDF, the processor-demand test (Baruah, Mok and Rosier 1990; on a
  periodic resource, Shin and Lee 2003): schedulable iff dbf(t) <= sbf(t)
  for every t, checked at every absolute deadline up to a bound L past
  which it is sure to hold (edf_testing_bound says which bound and why).
- Fixed priorities, response-time analysis (Joseph and Pandya 1986; with
  an sbf, Almeida and Pedreiras / Shin and Lee): R_i is the least t with
  sbf(t) >= C_i + Σ_{j<i} ⌈t/T_j⌉·C_j, found by a fixed-point iteration
  that stops as soon as it passes D_i.

Every search here is bounded, and the bound is named where it is computed."""
from fractions import Fraction
from math import ceil, floor, lcm

from .model import ModelError, Task, Verdict, hyperperiod, task_set, utilisation
from .supply import Supply, dedicated, supply_of


def dbf(task: Task, t: int) -> int:
    """dbf_τ(t): the most execution τ's jobs can need with both release
    and deadline inside an interval of length t: (⌊(t − D)/T⌋ + 1)·C."""
    if t < task.D:
        return 0
    return ((t - task.D) // task.T + 1) * task.C


def dbf_total(tasks, t: int) -> int:
    return sum(dbf(task, t) for task in tasks)


def rbf(task: Task, t: int) -> int:
    """rbf_τ(t) = ⌈t/T⌉·C: the work τ releases in [0, t) from a synchronous start."""
    return ceil(Fraction(t, task.T)) * task.C


def absolute_deadlines(tasks, limit: int) -> list[int]:
    """Every kT_i + D_i <= limit, sorted: where dbf steps up."""
    points = set()
    for task in tasks:
        points.update(range(task.D, limit + 1, task.T))
    return sorted(points)


def edf_testing_bound(tasks, supply: Supply) -> tuple[int, str]:
    """L such that dbf(t) <= sbf(t) for all t > L whenever U <= α; returns
    (L, which bound). Two bounds hold, the smaller is used:
    - linear (U < α): dbf(t) <= U·t + Σ max(0, T_i − D_i)·U_i and
      sbf(t) >= α·(t − Δ), so past (ΣB + αΔ)/(α − U) demand stays below;
    - periodic: past t1 = max(t0, D_i − T_i), sbf − dbf repeats every
      P = lcm(T_1..T_n, p) (supply.py: sbf(t + p) = sbf(t) + αp), so one
      such stretch decides. Needed when U = α exactly."""
    u, rate = utilisation(tasks), supply.rate
    start = max([supply.regular_from] + [max(0, t.D - t.T) for t in tasks])
    period = lcm(hyperperiod(tasks), supply.every)
    periodic = (start + period, f"t1 + lcm(T_i, p) = {start} + {period}")
    if u == rate:
        return periodic
    slack = sum((max(0, t.T - t.D) * t.U for t in tasks), Fraction(0))
    linear = floor((slack + rate * supply.delay) / (rate - u))
    if linear <= periodic[0]:
        return linear, f"(Σ(T_i−D_i)U_i + αΔ)/(α−U) = {linear}"
    return periodic


def _overload_witness(tasks, supply: Supply) -> int | None:
    """U > α: an interval where demand exceeds supply. dbf(t) > Σ(t − D_i)U_i
    and sbf(t) <= αt, so one lies within ΣU_iD_i/(U − α) plus a period."""
    u = utilisation(tasks)
    limit = ceil(sum((t.U * t.D for t in tasks), Fraction(0)) / (u - supply.rate)) + \
        max(t.T for t in tasks)
    for t in absolute_deadlines(tasks, limit):
        if dbf_total(tasks, t) > supply.sbf(t):
            return t
    return None


def edf_test(tasks, resource=None) -> Verdict:
    """EDF on one processor, or on a periodic resource: dbf(t) <= sbf(t) at
    every absolute deadline up to edf_testing_bound(). Exact for the
    sbf given: a "no" comes with the interval length where it fails."""
    supply = resource if isinstance(resource, Supply) else supply_of(resource)
    tasks = task_set(tasks, cpus=1)
    name = f"EDF on {supply.name}"
    u = utilisation(tasks)
    if u > supply.rate:
        at = _overload_witness(tasks, supply)
        return Verdict(False, name, f"U={u} exceeds the resource's rate α={supply.rate}"
                       + (f": at t={at} dbf={dbf_total(tasks, at)} > sbf={supply.sbf(at)}"
                          if at is not None else ""), witness=at)
    limit, why = edf_testing_bound(tasks, supply)
    points = absolute_deadlines(tasks, limit)
    for t in points:
        demand, given = dbf_total(tasks, t), supply.sbf(t)
        if demand > given:
            return Verdict(False, name, f"at t={t}: dbf={demand} > sbf={given}", witness=t)
    return Verdict(True, name, f"dbf(t) <= sbf(t) at all {len(points)} deadlines up to "
                   f"L={limit} ({why})", details={"bound": limit, "points": len(points)})


def response_time(tasks, i: int, resource=None) -> int | None:
    """R_i of tasks[i] under fixed priorities (tasks[:i] are higher), on the
    resource: the least fixed point of R = sbf⁻¹(C_i + Σ_{j<i} ⌈R/T_j⌉·C_j).
    Each step can only grow R, and the search stops once R > D_i: None
    then, since R_i no longer matters (the task is not schedulable)."""
    supply = resource if isinstance(resource, Supply) else supply_of(resource)
    task, higher = tasks[i], tasks[:i]
    r = supply.inverse(task.C + sum(h.C for h in higher))
    while r is not None and r <= task.D:
        grown = supply.inverse(task.C + sum(rbf(h, r) for h in higher))
        if grown == r:
            return r
        r = grown
    return None


def fp_test(tasks, resource=None) -> Verdict:
    """Fixed priorities in the given order (first = highest; see
    model.deadline_monotonic), on one processor or a periodic resource:
    schedulable iff every R_i <= D_i. Needs constrained deadlines."""
    supply = resource if isinstance(resource, Supply) else supply_of(resource)
    tasks = task_set(tasks, cpus=1, constrained=True, analysis="response-time analysis")
    name = f"FP on {supply.name}"
    responses = [response_time(tasks, i, supply) for i in range(len(tasks))]
    for task, r in zip(tasks, responses):
        if r is None:
            return Verdict(False, name, f"{task.label}: response time exceeds D={task.D}",
                           witness=task, details={"R": responses})
    return Verdict(True, name, "R_i <= D_i for every task: R = " + ", ".join(map(str, responses)),
                   details={"R": responses})


__all__ = ["dbf", "dbf_total", "rbf", "absolute_deadlines", "edf_testing_bound", "edf_test",
           "response_time", "fp_test", "dedicated", "ModelError"]
