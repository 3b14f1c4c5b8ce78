"""A discrete-time scheduler simulator: integer time, one unit slot at a
time. Jobs of the tasks are released (synchronously and periodically, or
at given sporadic times); in each slot the resource offers some number of
processors (all m, or a supply pattern such as a periodic resource's), and
the scheduler runs the highest-priority ready jobs on them:

- "edf": earliest absolute deadline first; with m > 1, global EDF.
- "fp": fixed priorities in task order (first = highest); with m > 1, global FP.

Ties go to the job that ran in the previous slot, then to the lower task
index: a running job is preempted only by a strictly more urgent one, as
the hypervisor's EDF does (hv/sched_edf.c). A job runs on at most one
processor at a time. The result holds the schedule slot by slot and every
job's release, start, finish and response time."""
from dataclasses import dataclass, field

from .model import ModelError, Task, task_set

POLICIES = ("edf", "fp")


@dataclass
class Job:
    task: int               # index into the task list
    index: int              # the task's k-th job, from 0
    release: int
    deadline: int           # absolute
    remaining: int
    start: int | None = None
    finish: int | None = None   # end of its last slot

    @property
    def response(self) -> int | None:
        return None if self.finish is None else self.finish - self.release


@dataclass
class Schedule:
    tasks: list[Task]
    policy: str
    horizon: int
    jobs: list[Job] = field(default_factory=list)
    slots: list[tuple] = field(default_factory=list)    # per slot: (task, job index) running

    def missed(self) -> list[Job]:
        """Jobs that finished after their deadline, or had not finished by
        a deadline inside the horizon."""
        return [j for j in self.jobs
                if (j.finish is not None and j.finish > j.deadline)
                or (j.finish is None and j.deadline <= self.horizon)]

    def worst_response(self, task: int) -> int | None:
        """The largest response time of the task's finished jobs."""
        done = [j.response for j in self.jobs if j.task == task and j.finish is not None]
        return max(done) if done else None


def synchronous_releases(tasks, horizon: int, offset: int = 0) -> list[list[int]]:
    """Every task releases at offset, offset + T, offset + 2T, ... (a periodic task set's
    critical instant on one processor under fixed priorities)."""
    return [list(range(offset, horizon, t.T)) for t in tasks]


def sporadic_releases(tasks, horizon: int, delays, offset: int = 0) -> list[list[int]]:
    """Releases at least T apart: task i's k-th gap is T_i + delays[i][k]
    (delays[i] is cycled; each value must be >= 0)."""
    out = []
    for task, extra in zip(tasks, delays):
        extra = list(extra) or [0]
        if any(d < 0 for d in extra):
            raise ModelError(f"{task.label}: a sporadic release cannot come sooner than T")
        times, at, k = [], offset, 0
        while at < horizon:
            times.append(at)
            at += task.T + extra[k % len(extra)]
            k += 1
        out.append(times)
    return out


def simulate(tasks, horizon: int, policy: str = "edf", m: int = 1, releases=None,
             supply=None) -> Schedule:
    """Run `tasks` for `horizon` slots under `policy` on up to `m` processors.
    `releases`: per task, its release times (default synchronous_releases);
    `supply`: processors offered in slot t, a sequence or a function of t
    (default: m in every slot)."""
    if policy not in POLICIES:
        raise ModelError(f"policy '{policy}': expected one of {', '.join(POLICIES)}")
    tasks = task_set(tasks, cpus=m)
    if horizon < 0:
        raise ModelError(f"horizon={horizon}: must not be negative")
    releases = releases if releases is not None else synchronous_releases(tasks, horizon)
    offered = (supply if callable(supply) else
               (lambda t: supply[t]) if supply is not None else (lambda t: m))
    arrivals = {}
    for i, times in enumerate(releases):
        for k, r in enumerate(sorted(times)):
            if r < horizon:
                arrivals.setdefault(r, []).append(Job(i, k, r, r + tasks[i].D, tasks[i].C))
    sched = Schedule(tasks, policy, horizon)
    ready, ran_last = [], set()
    for t in range(horizon):
        for job in arrivals.get(t, []):
            ready.append(job)
            sched.jobs.append(job)
        processors = min(m, offered(t))
        if processors < 0:
            raise ModelError(f"supply at t={t} is {processors}: must not be negative")
        ready.sort(key=lambda j: _priority(policy, j, id(j) in ran_last))
        running = ready[:processors]
        for job in running:
            if job.start is None:
                job.start = t
            job.remaining -= 1
            if job.remaining == 0:
                job.finish = t + 1
        ready = [j for j in ready if j.remaining > 0]
        ran_last = {id(j) for j in running}
        sched.slots.append(tuple((j.task, j.index) for j in running))
    return sched


def _priority(policy: str, job: Job, ran_last: bool) -> tuple:
    if policy == "edf":
        return (job.deadline, not ran_last, job.task, job.index)
    return (job.task, job.index)


# -- supply patterns: which slots a resource gives ---------------------------------

def pattern(period: int, placements, horizon: int) -> list[int]:
    """A supply pattern slot by slot from one placement per period
    (worst_case.placements gives them all; `placements(k)` picks period k's)."""
    out = []
    for k in range(horizon // period + 1):
        out.extend(placements(k))
    return out[:horizon]


def early(period: int, budget: int, m: int = 1) -> tuple[int, ...]:
    """The budget as soon as possible in its period: full slots first."""
    full, rest = divmod(budget, m)
    return tuple([m] * full + ([rest] if rest else []) + [0] * (period - full - (1 if rest else 0)))


def late(period: int, budget: int, m: int = 1) -> tuple[int, ...]:
    """The budget as late as possible in its period."""
    return tuple(reversed(early(period, budget, m)))


def worst_case_pattern(period: int, budget: int, horizon: int, m: int = 1) -> list[int]:
    """Early in the first period, late in every other one. From the end of
    the first period's budget (slot ⌈Θ/m⌉) on, an interval of length t gets
    exactly the periodic resource's sbf(t) for every t when m = 1: tasks
    released then meet the worst case of supply.sbf_periodic at once."""
    first, rest = early(period, budget, m), late(period, budget, m)
    return pattern(period, lambda k: first if k == 0 else rest, horizon)
