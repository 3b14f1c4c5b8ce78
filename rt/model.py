"""Task and resource models: sporadic tasks τ = (C, T, D), and the two
resource interfaces of hierarchical scheduling, the periodic resource
Γ = (Π, Θ) of Shin and Lee and the multiprocessor periodic resource
μ = ⟨Π, Θ, m'⟩ of Easwaran, Shin and Lee.

Time is integer: every parameter is a whole number of time units (the
experiments use the guest's virtual-counter ticks, or a multiple of them),
and every ratio (a utilisation, a bandwidth) is an exact Fraction. A model
that makes no sense is refused with ModelError, whose message is one line
naming the task or interface and the field."""
from dataclasses import dataclass
from fractions import Fraction
from math import lcm


class ModelError(ValueError):
    """A malformed task, task set or interface; str() is one line naming it."""


def _whole(value, what: str, minimum: int = 1) -> int:
    """`value` as an int >= minimum, or a ModelError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ModelError(f"{what}={value!r}: must be a whole number of time units")
    if value < minimum:
        bound = "positive" if minimum == 1 else f"at least {minimum}"
        raise ModelError(f"{what}={value}: must be {bound}")
    return value


@dataclass(frozen=True)
class Task:
    """A sporadic task τ = (C, T, D): each job needs at most C units of
    execution (its worst-case execution time), jobs are released at least
    T apart (exactly T for a periodic task), and each must finish within D
    of its release (its relative deadline). Kept as the papers write them."""
    C: int
    T: int
    D: int | None = None        # default: D = T (an implicit deadline)
    name: str = ""
    periodic: bool = True       # periodic: releases exactly T apart; else sporadic

    def __post_init__(self):
        label = f"task '{self.name}'" if self.name else "task"
        _whole(self.C, f"{label}: C")
        _whole(self.T, f"{label}: T")
        if self.D is None:
            object.__setattr__(self, "D", self.T)
        _whole(self.D, f"{label}: D")
        if self.C > self.D:
            raise ModelError(f"{label}: C={self.C} > D={self.D}: no job can meet its deadline")

    @property
    def label(self) -> str:
        return f"task '{self.name}'" if self.name else f"task (C={self.C}, T={self.T}, D={self.D})"

    @property
    def U(self) -> Fraction:
        """Utilisation C/T."""
        return Fraction(self.C, self.T)

    @property
    def density(self) -> Fraction:
        """λ = C / min(D, T)."""
        return Fraction(self.C, min(self.D, self.T))


def utilisation(tasks) -> Fraction:
    """U = Σ C_i / T_i."""
    return sum((t.U for t in tasks), Fraction(0))


def hyperperiod(tasks) -> int:
    """H = lcm(T_i): the synchronous periodic schedule repeats after it."""
    return lcm(*(t.T for t in tasks)) if tasks else 1


def task_set(tasks, cpus: int = 1, constrained: bool = False, analysis: str = "") -> list[Task]:
    """`tasks` checked as a whole: not empty, at most `cpus` processors' worth
    of utilisation, and, where the analysis needs it (`constrained`), D <= T
    for every task. Returns them as a list, in the given order, which the
    fixed-priority analyses read as the priority order (first = highest)."""
    tasks = list(tasks)
    if not tasks:
        raise ModelError("task set: empty")
    for t in tasks:
        if not isinstance(t, Task):
            raise ModelError(f"task set: {t!r} is not a Task")
        if constrained and t.D > t.T:
            needs = f"{analysis} needs" if analysis else "needs"
            raise ModelError(f"{t.label}: D={t.D} > T={t.T}: {needs} constrained deadlines (D <= T)")
    cpus = _whole(cpus, "processors m")
    u = utilisation(tasks)
    if u > cpus:
        raise ModelError(f"task set: utilisation U={u} ({float(u):.3f}) exceeds {cpus} "
                         f"processor(s): no scheduler can meet every deadline")
    return tasks


def deadline_monotonic(tasks) -> list[Task]:
    """The tasks in deadline-monotonic priority order (shortest D first;
    ties by T, then by the given order): optimal among fixed priorities
    for constrained deadlines on one processor (Leung and Whitehead)."""
    indexed = list(enumerate(tasks))
    return [t for _, t in sorted(indexed, key=lambda it: (it[1].D, it[1].T, it[0]))]


@dataclass(frozen=True)
class PeriodicResource:
    """Γ = (Π, Θ), Shin and Lee (RTSS 2003): Θ units of one processor in
    every period [kΠ, (k+1)Π), anywhere inside it. `period` is Π and
    `budget` Θ (0 <= Θ <= Π; Θ = 0 supplies nothing)."""
    period: int
    budget: int

    def __post_init__(self):
        _whole(self.period, "periodic resource: Π (period)")
        _whole(self.budget, f"periodic resource (Π={self.period}): Θ (budget)", minimum=0)
        if self.budget > self.period:
            raise ModelError(f"periodic resource: Θ={self.budget} > Π={self.period}: "
                             f"a budget cannot exceed its period on one processor")

    @property
    def bandwidth(self) -> Fraction:
        """α = Θ/Π, the long-run share of the processor."""
        return Fraction(self.budget, self.period)

    def __str__(self):
        return f"Γ(Π={self.period}, Θ={self.budget})"


@dataclass(frozen=True)
class MPR:
    """μ = ⟨Π, Θ, m'⟩, Easwaran, Shin and Lee: Θ units of processor time in
    every period [kΠ, (k+1)Π), on at most m' processors at any instant.
    `period` is Π, `budget` Θ (0 <= Θ <= m'Π) and `m` is m'."""
    period: int
    budget: int
    m: int

    def __post_init__(self):
        _whole(self.period, "MPR: Π (period)")
        _whole(self.m, f"MPR (Π={self.period}): m' (processors)")
        _whole(self.budget, f"MPR (Π={self.period}, m'={self.m}): Θ (budget)", minimum=0)
        if self.budget > self.m * self.period:
            raise ModelError(f"MPR: Θ={self.budget} > m'·Π={self.m * self.period}: more than "
                             f"{self.m} processor(s) can supply in one period")

    @property
    def bandwidth(self) -> Fraction:
        """Θ/Π, in processors (up to m')."""
        return Fraction(self.budget, self.period)

    def __str__(self):
        return f"μ⟨Π={self.period}, Θ={self.budget}, m'={self.m}⟩"


def tasks_from_table(rows, where: str = "tasks") -> list[Task]:
    """Tasks from plain data, e.g. a TOML array of tables:
    [{name = "ctl", C = 2, T = 10, D = 8}, ...]. Unknown or missing keys
    are a ModelError naming the row."""
    tasks = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ModelError(f"{where}[{i}]: expected a table with C, T and D")
        label = f"{where}[{i}]" + (f" ('{row['name']}')" if "name" in row else "")
        unknown = sorted(set(row) - {"name", "C", "T", "D", "periodic"})
        if unknown:
            raise ModelError(f"{label}: unknown key(s) {', '.join(unknown)}")
        missing = [k for k in ("C", "T") if k not in row]
        if missing:
            raise ModelError(f"{label}: missing {', '.join(missing)}")
        tasks.append(Task(C=row["C"], T=row["T"], D=row.get("D"),
                          name=str(row.get("name", f"tau{i + 1}")),
                          periodic=bool(row.get("periodic", True))))
    return tasks


@dataclass(frozen=True)
class Verdict:
    """What a schedulability test says, and why, in one line (`reason`).
    `witness` is the interval length (or task) where it failed, if any;
    `details` holds what the test computed (e.g. response times). A
    Verdict is true when the test says "schedulable"."""
    schedulable: bool
    test: str
    reason: str
    witness: object = None
    details: dict | None = None

    def __bool__(self):
        return self.schedulable

    def __str__(self):
        return f"{self.test}: {'schedulable' if self.schedulable else 'not shown schedulable'}: {self.reason}"
