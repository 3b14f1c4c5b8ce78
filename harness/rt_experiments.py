"""The real-time experiments (`./lab rt [EXPERIMENT]`): the rt/ library's
analysis held against the hypervisor's EDF reservations (hv/sched_edf.c)
and the RT guests (guests/arm64/rt.c, rt-latency.c), all under QEMU
-icount shift=0, so that every run repeats to the instruction.

- uniprocessor: VMs whose reservations rt/ synthesised; every measured
  response time against its analytical bound; one unit of budget below the
  minimum, under the worst-case phasing, a deadline miss.
- multiprocessor: a 2-vCPU VM with an MPR interface and global EDF inside,
  against the GFB, BAK, BCL and gEDF-on-MPR verdicts.
- latency: virtual-timer interrupt latency inside a guest, under the
  hypervisor (alone, with EDF reservations, with round robin) and directly
  on the emulated CPU.

Each writes build/rt/EXPERIMENT.json, EXPERIMENT.png and EXPERIMENT.txt;
docs/rt-*.md are their handouts. Builds go to build/rt/build-arm64, away
from the test suite's."""
import dataclasses
import json
import re
from fractions import Fraction
from math import lcm

from rt.demand import edf_test, fp_test, response_time
from rt.global_edf import bak, bcl, gedf_on_mpr, gfb
from rt.interface import mpr_interface, mpr_servers, periodic_interface
from rt.model import MPR, ModelError, PeriodicResource, Task, utilisation

from . import BUILD, ROOT, HarnessError, console
from .build import Build
from .lab import ensure_tools
from .scenario import DEFAULT_FORBID, Scenario, check_scenario
from .target import load_target

RT_DIR = BUILD / "rt"
TARGET = "arm64"
COUNTER_HZ = 62_500_000         # QEMU 7.2 virt's generic timer; rt.c checks it
TICKS_PER_US = Fraction(COUNTER_HZ, 1_000_000)
INSTRUCTIONS_PER_TICK = 1_000_000_000 // COUNTER_HZ     # -icount shift=0: 1 per ns
RT_MAGIC = 0x52540001           # guests/arm64/rt.c's parameter layout
MODE_TASKS, MODE_HOG = 0, 1
SCHEDULERS = {"edf": 0, "fp": 1}
EVENT = re.compile(r"^EV (\d+) (\w+) (\d+) (-?\d+) (\d+)$")
LATENCY_LINE = re.compile(r"LAT:((?: \d+)+)")
EXPERIMENTS = ("uniprocessor", "multiprocessor", "latency")


class RunFailure(HarnessError):
    """An experiment's conclusion did not hold."""


# -- scenarios for the rt guest ---------------------------------------------------

@dataclasses.dataclass
class Plan:
    """One RT VM: its tasks (in time units), how they are scheduled inside,
    and its reservation (Π, Θ per vCPU, in time units)."""
    name: str
    tasks: list[Task]
    scheduler: str              # "edf" or "fp"
    period: int                 # Π
    budgets: list[int]          # Θ of each vCPU
    offset: int = 0             # first releases this long after the start

    @property
    def vcpus(self) -> int:
        return len(self.budgets)


def rt_params(tasks, scheduler: str, vcpus: int, start: int, end: int, unit_ticks: int,
              allowance: int, sharing: int, offset: int = 0, mode: int = MODE_TASKS) -> list[int]:
    """The values rt.c reads with HC_PARAM, in counter ticks."""
    p = [RT_MAGIC, mode, SCHEDULERS[scheduler], vcpus, COUNTER_HZ, start, end, allowance,
         sharing, len(tasks)]
    for t in tasks:
        p += [t.C * unit_ticks, t.T * unit_ticks, t.D * unit_ticks, offset * unit_ticks]
    return p


def rt_scenario(name: str, plans: list[Plan], hogs: dict[str, tuple[int, list[int]]],
                unit_us: int, start: int, end: int, allowance: int, timeout: float = 300,
                extra_vms: dict | None = None) -> Scenario:
    """A scenario under the EDF policy: each plan an rt VM, each hog (period,
    budgets) an rt VM that spins until the end. Times in units of unit_us."""
    unit_ticks = int(unit_us * TICKS_PER_US)
    sharing = max([p.vcpus for p in plans] + [len(b) for _, b in hogs.values()] + [1])
    vms, params, reservation, vcpus = {}, {}, {}, {}
    for p in plans:
        vms[p.name] = "rt"
        params[p.name] = rt_params(p.tasks, p.scheduler, p.vcpus, start, end, unit_ticks,
                                   allowance, sharing, p.offset)
        reservation[p.name] = {"period_us": p.period * unit_us,
                               "budget_us": [b * unit_us for b in p.budgets]}
        vcpus[p.name] = p.vcpus
    for hog, (period, budgets) in hogs.items():
        vms[hog] = "rt"
        params[hog] = rt_params([], "edf", len(budgets), start, end, unit_ticks, allowance,
                                sharing, mode=MODE_HOG)
        reservation[hog] = {"period_us": period * unit_us,
                            "budget_us": [b * unit_us for b in budgets]}
        vcpus[hog] = len(budgets)
    vms.update(extra_vms or {})
    scenario = Scenario(name=name, vms=vms, expect={p.name: ["SUMMARY: "] for p in plans} |
                        {"hv": ["all VMs stopped"]}, forbid=list(DEFAULT_FORBID), sched="edf",
                        reservation=reservation, params=params, vcpus=vcpus, timeout=timeout)
    check_scenario(scenario, "harness/rt_experiments.py")
    return scenario


def boot(scenario: Scenario) -> list[str]:
    """Build and boot one experiment scenario; its console lines."""
    target = load_target(TARGET)
    ensure_tools(target)
    build = Build(target, RT_DIR / f"build-{TARGET}")
    build.run([scenario], echo=False)
    run_dir = RT_DIR / "runs" / scenario.name
    launch = target.launch(build.image(scenario.name), run_dir, cpus=scenario.cpus)
    return console.run(launch, scenario, run_dir / "console.log", cwd=ROOT).lines


# -- reading the guest's log ----------------------------------------------------------

@dataclasses.dataclass
class Job:
    task: int
    index: int
    release: int                # nominal, ticks
    deadline: int
    start: int | None = None
    finish: int | None = None
    cpus: set = dataclasses.field(default_factory=set)
    runs: list = dataclasses.field(default_factory=list)   # (cpu, from, to)

    @property
    def response(self) -> int | None:
        return None if self.finish is None else self.finish - self.release


def events_of(lines: list[str], vm: str) -> list[tuple]:
    """(t, kind, cpu, task, job) of every EV line of `vm`, in log order."""
    out = []
    for line in lines:
        stream, text = console.split_line(line)
        m = EVENT.match(text) if stream == vm else None
        if m:
            out.append((int(m[1]), m[2], int(m[3]), int(m[4]), int(m[5])))
    if not out:
        raise RunFailure(f"vm '{vm}' logged no events")
    return out


def jobs_of(events, tasks: list[Task], unit_ticks: int) -> dict[tuple, Job]:
    """Every job, with its execution intervals, from the event log."""
    jobs, open_ = {}, {}
    for t, kind, cpu, task, index in events:
        if kind == "release":
            jobs[task, index] = Job(task, index, t, t + tasks[task].D * unit_ticks)
        elif kind == "run":
            job = jobs[task, index]
            job.start = t if job.start is None else job.start
            job.cpus.add(cpu)
            open_[cpu] = (job, t)
        elif kind in ("preempt", "finish"):
            job, since = open_.pop(cpu)
            job.runs.append((cpu, since, t))
            if kind == "finish":
                job.finish = t
    return jobs


def worst_responses(jobs: dict, ntasks: int) -> list[int | None]:
    out = []
    for i in range(ntasks):
        rs = [j.response for j in jobs.values() if j.task == i and j.response is not None]
        out.append(max(rs) if rs else None)
    return out


def misses(jobs: dict) -> list[Job]:
    return sorted((j for j in jobs.values() if j.finish is None or j.finish > j.deadline),
                  key=lambda j: j.release)


def _entries(events):
    """The log cut into kernel entries (rt.c logs each under its lock): a
    timer interrupt's releases and what it dispatched and whom it sent an
    IPI; a job's finish and what ran next; an IPI's re-dispatch."""
    entry, prev = [], None
    for e in events:
        kind, cpu = e[1], e[2]
        starts = (kind == "release" and (prev is None or prev[1] != "release")) or \
            kind == "finish" or (kind in ("run", "preempt") and prev is not None and not (
                prev[1] == "release" or (prev[1] in ("preempt", "finish") and prev[2] == cpu)))
        if starts and entry:
            yield entry
            entry = []
        entry.append(e)
        prev = e
    if entry:
        yield entry


def global_edf_inversions(events, tasks: list[Task], unit_ticks: int, vcpus: int) -> dict:
    """Replay a global-EDF guest's log, kernel entry by kernel entry, and
    look, after each, for a vCPU running a job (or nothing) while a more
    urgent one is ready. Such a moment is correct only while an IPI to that
    vCPU is on its way (sent, not yet taken: its next dispatch). Returns how
    many such moments there were and the longest (ticks), and any vCPU in
    that state with no IPI on its way ("unexcused": a scheduling error)."""
    deadline, running, ready = {}, {c: None for c in range(vcpus)}, set()
    ipi_to, opened, longest, episodes, unexcused = set(), {}, 0, 0, []
    now = 0
    for entry in _entries(events):
        for t, kind, cpu, task, index in entry:
            if kind == "release":
                deadline[task, index] = t + tasks[task].D * unit_ticks
                ready.add((task, index))
                continue
            now = t
            if kind == "run":
                ready.discard((task, index))
                running[cpu] = (task, index)
                ipi_to.discard(cpu)
            elif kind == "preempt":
                ready.add((task, index))
                running[cpu] = None
            elif kind == "finish":
                running[cpu] = None
            elif kind == "idle":
                ipi_to.discard(cpu)
            elif kind == "ipi":
                ipi_to.add(index)
        urgency = lambda job: (deadline[job], job[0])
        top = min(ready, key=urgency) if ready else None
        for c, job in running.items():
            inverted = top is not None and (job is None or urgency(top) < urgency(job))
            if inverted and c not in opened:
                opened[c] = now
                episodes += 1
                if c not in ipi_to:
                    unexcused.append((now, c, top, job))
            elif not inverted and c in opened:
                longest = max(longest, now - opened.pop(c))
    return {"episodes": episodes, "longest_ticks": longest, "unexcused": unexcused[:5],
            "unexcused_count": len(unexcused)}


# -- the uniprocessor experiment ------------------------------------------------------

UNI_UNIT_US = 50                # one time unit of the task sets and interfaces
UNI_ALLOWANCE_TICKS = 100       # of each C, left to the guest kernel and the exits
UNI_SETS = {
    "A": ([Task(3, 20, name="a1"), Task(5, 40, name="a2"), Task(8, 80, name="a3")], "edf", 12),
    "B": ([Task(2, 16, name="b1"), Task(3, 32, name="b2"), Task(5, 64, name="b3")], "fp", 10),
}
UNI_HOG = (6, 1)                # the rest of the CPU: 1 unit in every 6
UNI_MISS_SET = ([Task(2, 20, 7, name="x1"), Task(3, 40, 40, name="x2")], "edf", 10)
UNI_HORIZON = 480               # units of the run (24 ms)


def _ticks(units, unit_us: int) -> int:
    return int(units * unit_us * TICKS_PER_US)


def _start_after_boot(periods: list[int], unit_us: int, at_least_us: int = 20_000) -> int:
    """The first instant, in ticks, past at_least_us where every reservation's
    period begins (periods start at counter 0): there the phasing is known."""
    step = _ticks(lcm(*periods), unit_us)
    first = int(at_least_us * TICKS_PER_US)
    return -(-first // step) * step


def _bound(tasks, scheduler: str, resource: PeriodicResource) -> list[int]:
    """The analytical bound on each task's response time: R_i for fixed
    priorities; the deadline for EDF (the demand test guarantees it)."""
    if scheduler == "fp":
        return [response_time(tasks, i, resource) for i in range(len(tasks))]
    return [t.D for t in tasks]


def uniprocessor() -> dict:
    unit_us = UNI_UNIT_US
    unit = _ticks(1, unit_us)
    plans, analysis = [], {}
    for name, (tasks, scheduler, period) in UNI_SETS.items():
        res = periodic_interface(tasks, period, scheduler)
        if res is None:
            raise RunFailure(f"set {name}: no budget suffices")
        plans.append(Plan(name, tasks, scheduler, period, [res.budget]))
        analysis[name] = {"scheduler": scheduler, "interface": [res.period, res.budget],
                          "bound": _bound(tasks, scheduler, res)}
    start = _start_after_boot([p.period for p in plans] + [UNI_HOG[0]], unit_us)
    end = start + _ticks(UNI_HORIZON, unit_us)
    lines = boot(rt_scenario("rt-uni", plans, {"hog": (UNI_HOG[0], [UNI_HOG[1]])},
                             unit_us, start, end, UNI_ALLOWANCE_TICKS))
    vms = {}
    for plan in plans:
        jobs = jobs_of(events_of(lines, plan.name), plan.tasks, unit)
        worst = worst_responses(jobs, len(plan.tasks))
        bound = analysis[plan.name]["bound"]
        vms[plan.name] = {
            **analysis[plan.name],
            "tasks": [dataclasses.asdict(t) for t in plan.tasks],
            "jobs": len(jobs), "misses": len(misses(jobs)),
            "worst_response_ticks": worst,
            "bound_ticks": [b * unit for b in bound],
            "margin_ticks": [b * unit - w for b, w in zip(bound, worst)],
        }
    demo = miss_demo(unit_us)
    report = {"experiment": "uniprocessor", "unit_us": unit_us, "unit_ticks": unit,
              "allowance_ticks": UNI_ALLOWANCE_TICKS, "start": start, "end": end,
              "hog": UNI_HOG, "vms": vms, "below_minimum": demo}
    return report


def _adversary(period: int, budget: int) -> tuple[int, list[int]]:
    """The server that makes a reservation (Π, Θ) meet its worst case: period
    2Π, budget 2(Π − Θ), the rest of the CPU. From a common period start
    (the run's start, a multiple of 2Π), Γ's budget comes first (deadline Π
    against 2Π); at Π the two deadlines tie and the running adversary keeps
    the CPU until 2Π − Θ. Tasks released when Γ's first budget ends see the
    blackout of 2(Π − Θ) that sbf_Γ assumes, then Θ."""
    return 2 * period, [2 * (period - budget)]


def server_supply(servers: list[tuple[int, int]], which: int, horizon: int) -> list[tuple]:
    """When server `which` has the CPU, as hv/sched_edf.c schedules the
    servers (Π, Θ) from a common period start: EDF, a running server kept on
    a tie, the budget drained while it holds the CPU. rt.simulate does the
    same with each server as a task of C = Θ, T = D = Π whose jobs are
    always ready. Intervals in time units."""
    from rt.simulate import simulate
    tasks = [Task(b, p) for p, b in servers if b]
    index = [i for i, (_, b) in enumerate(servers) if b].index(which)
    run = simulate(tasks, horizon, "edf")
    out, since = [], None
    for t, slot in enumerate(run.slots + [()]):
        held = any(task == index for task, _ in slot)
        if held and since is None:
            since = t
        elif not held and since is not None:
            out.append((since, t))
            since = None
    return out


def miss_demo(unit_us: int) -> dict:
    tasks, scheduler, period = UNI_MISS_SET
    unit = _ticks(1, unit_us)
    minimum = periodic_interface(tasks, period, scheduler)
    out = {"tasks": [dataclasses.asdict(t) for t in tasks], "scheduler": scheduler,
           "period": period, "minimum_budget": minimum.budget, "runs": {}}
    for label, budget in (("minimum", minimum.budget), ("minimum-1", minimum.budget - 1)):
        res = PeriodicResource(period, budget)
        verdict = (edf_test if scheduler == "edf" else fp_test)(tasks, res)
        plan = Plan("x", tasks, scheduler, period, [budget], offset=budget)
        start = _start_after_boot([2 * period], unit_us)
        end = start + _ticks(UNI_HORIZON, unit_us)
        lines = boot(rt_scenario(f"rt-uni-{label}", [plan], {"adversary": _adversary(period, budget)},
                                 unit_us, start, end, UNI_ALLOWANCE_TICKS))
        events = events_of(lines, "x")
        jobs = jobs_of(events, tasks, unit)
        missed = misses(jobs)
        adversary = _adversary(period, budget)
        out["runs"][label] = {
            "supply": server_supply([(period, budget), (adversary[0], adversary[1][0])], 0,
                                    4 * period),
            "budget": budget, "test": str(verdict), "schedulable": bool(verdict),
            "witness": verdict.witness if isinstance(verdict.witness, int) else None,
            "start": start, "worst_response_ticks": worst_responses(jobs, len(tasks)),
            "misses": [dataclasses.asdict(j) | {"cpus": sorted(j.cpus)} for j in missed[:5]],
            "miss_count": len(missed), "jobs": len(jobs),
            "schedule": [[j.task, j.index, j.release, j.deadline, j.finish,
                          [(a, b) for _, a, b in j.runs]]
                         for j in sorted(jobs.values(), key=lambda j: j.release)
                         if j.release < start + _ticks(4 * period, unit_us)],
        }
    return out


def uniprocessor_conclusions(r: dict) -> list[str]:
    """What the experiment must show; each a line, '' when it holds."""
    problems = []
    for name, vm in r["vms"].items():
        if vm["misses"]:
            problems.append(f"vm {name}: {vm['misses']} deadline miss(es) with the synthesised budget")
        for i, (w, b) in enumerate(zip(vm["worst_response_ticks"], vm["bound_ticks"])):
            if w is None or w > b:
                problems.append(f"vm {name} task {i}: response {w} ticks > bound {b}")
    demo = r["below_minimum"]["runs"]
    if demo["minimum"]["miss_count"]:
        problems.append("the synthesised minimum missed a deadline at worst-case phasing")
    if not demo["minimum-1"]["miss_count"]:
        problems.append("one unit below the minimum, no deadline was missed")
    return problems


# -- the multiprocessor experiment --------------------------------------------------

MP_UNIT_US = 500                # one time unit: 500 us (the CPUs take turns every 100 us)
MP_ALLOWANCE_TICKS = 1000
MP_PERIOD = 4                   # Π of the MPR interface
MP_SETS = {
    "light": [Task(2, 10, name="g1"), Task(3, 15, name="g2"), Task(4, 20, name="g3"),
              Task(2, 12, name="g4")],
    "heavy": [Task(1, 4, name="h1"), Task(2, 5, name="h2"), Task(7, 10, name="h3")],
}
MP_HORIZON = 120                # units (60 ms)


def multiprocessor() -> dict:
    unit_us = MP_UNIT_US
    unit = _ticks(1, unit_us)
    sets = {}
    for name, tasks in MP_SETS.items():
        mpr = mpr_interface(tasks, MP_PERIOD, 2)
        verdicts = {"GFB": bool(gfb(tasks, 2)), "BAK": bool(bak(tasks, 2)),
                    "BCL": bool(bcl(tasks, 2))}
        if mpr is None:
            sets[name] = {"verdicts": verdicts, "mpr": None}
            continue
        # the two vCPUs' supply in step (see docs/rt-multiprocessor.md): an even Θ
        budget = mpr.budget + mpr.budget % 2
        mu = MPR(MP_PERIOD, budget, 2)
        verdicts["gEDF on MPR"] = bool(gedf_on_mpr(tasks, mu))
        servers = [s.budget for s in mpr_servers(mu)]
        plan = Plan("g", tasks, "edf", MP_PERIOD, servers)
        hog = (MP_PERIOD, [MP_PERIOD - b for b in servers])
        start = _start_after_boot([MP_PERIOD], unit_us, at_least_us=60_000)
        end = start + _ticks(MP_HORIZON, unit_us)
        lines = boot(rt_scenario(f"rt-mp-{name}", [plan], {"hog": hog} if any(hog[1]) else {},
                                 unit_us, start, end, MP_ALLOWANCE_TICKS))
        events = events_of(lines, "g")
        jobs = jobs_of(events, tasks, unit)
        inversions = global_edf_inversions(events, tasks, unit, 2)
        sets[name] = {
            "tasks": [dataclasses.asdict(t) for t in tasks], "U": str(utilisation(tasks)),
            "verdicts": verdicts, "mpr": [MP_PERIOD, mpr.budget, 2], "mpr_run": [MP_PERIOD, budget, 2],
            "jobs": len(jobs), "misses": len(misses(jobs)),
            "worst_response_ticks": worst_responses(jobs, len(tasks)),
            "deadline_ticks": [t.D * unit for t in tasks],
            "migrations": sum(len(j.cpus) > 1 for j in jobs.values()),
            "inversions": inversions,
        }
    return {"experiment": "multiprocessor", "unit_us": unit_us, "unit_ticks": unit,
            "allowance_ticks": MP_ALLOWANCE_TICKS, "sets": sets}


def multiprocessor_conclusions(r: dict) -> list[str]:
    problems = []
    for name, s in r["sets"].items():
        if s.get("mpr") is None:
            continue
        if s["verdicts"]["gEDF on MPR"] and s["misses"]:
            problems.append(f"set {name}: the MPR test said schedulable, {s['misses']} miss(es)")
        if s["inversions"]["unexcused_count"]:
            problems.append(f"set {name}: a less urgent job ran while a more urgent one waited, "
                            f"with no IPI on its way: {s['inversions']['unexcused']}")
        if not s["migrations"]:
            problems.append(f"set {name}: no job ever moved between vCPUs: not global scheduling")
    return problems


# -- the latency experiment ---------------------------------------------------------

LAT_RESERVATIONS = {"edf-1ms": (1000, 500), "edf-4ms": (4000, 2000)}   # Π, Θ in us
LAT_TIME_SLICE_US = 2000        # qemu-configs/arm64.toml: the round robin's slice
LAT_HOLD_US = 600               # the holding peer's time in its handler: past its budget


def latency_samples(lines: list[str], vm: str | None = None) -> list[int]:
    """The LAT: lines' samples (of `vm`'s stream, if given), in ticks."""
    out = []
    for line in lines:
        stream, text = console.split_line(line)
        m = LATENCY_LINE.search(text)
        if m and (vm is None or stream == vm):
            out += [int(v) for v in m[1].split()]
    if not out:
        raise RunFailure("the latency guest reported no samples")
    return out


def latency_direct() -> list[int]:
    """rt-latency.elf straight on the emulated CPU: EL1, no hypervisor
    (virtualization=off), the same -icount clock."""
    import pexpect
    target = load_target(TARGET)
    elf = RT_DIR / f"build-{TARGET}" / "guests" / "rt-latency.elf"
    bare = dataclasses.replace(target, emulator=dict(target.emulator, machine_options={
        k: v for k, v in target.emulator["machine_options"].items() if k != "virtualization"}))
    argv = bare.command(elf)
    child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", codec_errors="replace")
    try:
        child.expect(r"SUMMARY: \d+ passed, \d+ failed", timeout=120)
        lines = child.before.replace("\r", "").split("\n")
    except pexpect.ExceptionPexpect:
        raise RunFailure("the latency guest, run directly, did not finish") from None
    finally:
        child.terminate(force=True)
    return latency_samples(lines)


def _latency_pair(name: str, **policy) -> Scenario:
    """Two copies of the latency guest sharing one CPU: each one's timer may
    fire while the other has the CPU. The first one's samples are kept."""
    return Scenario(name=name, vms={"lat": "rt-latency", "peer": "rt-latency"},
                    expect={"lat": ["SUMMARY: "], "peer": ["SUMMARY: "],
                            "hv": ["all VMs stopped"]},
                    forbid=list(DEFAULT_FORBID), timeout=300, **policy)


def latency() -> dict:
    configs = {}
    alone = Scenario(name="rt-lat-alone", vms={"lat": "rt-latency"},
                     expect={"lat": ["SUMMARY: "], "hv": ["all VMs stopped"]},
                     forbid=list(DEFAULT_FORBID), timeout=300)
    configs["hv alone"] = latency_samples(boot(alone), "lat")
    configs["directly"] = latency_direct()
    for label, (period, budget) in LAT_RESERVATIONS.items():
        r = {"period_us": period, "budget_us": budget}
        s = _latency_pair(f"rt-lat-{label}", sched="edf", reservation={"lat": r, "peer": r})
        configs[_edf_label(period)] = latency_samples(boot(s), "lat")
    configs["hv, round robin 2 ms"] = latency_samples(boot(_latency_pair("rt-lat-rr")), "lat")
    period, budget = LAT_RESERVATIONS["edf-1ms"]
    r = {"period_us": period, "budget_us": budget}
    held = _latency_pair("rt-lat-held", sched="edf", reservation={"lat": r, "peer": r},
                         params={"peer": [int(LAT_HOLD_US * TICKS_PER_US)]})
    configs[LAT_HELD] = latency_samples(boot(held), "lat")
    summary = {k: _stats(v) for k, v in configs.items()}
    return {"experiment": "latency", "ticks_to_instructions": INSTRUCTIONS_PER_TICK,
            "reservations_us": LAT_RESERVATIONS, "time_slice_us": LAT_TIME_SLICE_US,
            "summary": summary, "samples": configs}


LAT_HELD = "hv, EDF Π=1 ms, the other VM holding its interrupt"


def _edf_label(period_us: int) -> str:
    return f"hv, EDF Π={period_us // 1000} ms Θ=Π/2"


def _stats(values: list[int]) -> dict:
    v = sorted(values)
    return {"n": len(v), "min": v[0], "median": v[len(v) // 2], "p99": v[len(v) * 99 // 100],
            "max": v[-1], "mean": round(sum(v) / len(v), 2)}


def latency_conclusions(r: dict) -> list[str]:
    s = r["summary"]
    problems = []
    direct, alone = s["directly"], s["hv alone"]
    if not direct["max"] < alone["min"]:
        problems.append(f"direct latencies ({direct['max']} ticks at most) not all below the "
                        f"hypervisor's ({alone['min']} at least)")
    for label, (period, budget) in LAT_RESERVATIONS.items():
        key = _edf_label(period)
        blackout = int(2 * (period - budget) * TICKS_PER_US)
        if s[key]["max"] > blackout + alone["max"]:
            problems.append(f"{key}: {s[key]['max']} ticks > the blackout 2(Π−Θ) + exit path")
        if s[key]["max"] <= alone["max"]:
            problems.append(f"{key}: the reservation never delayed an interrupt")
    period, budget = LAT_RESERVATIONS["edf-1ms"]
    if s[LAT_HELD]["max"] > int(2 * (period - budget) * TICKS_PER_US) + alone["max"]:
        problems.append(f"{LAT_HELD}: {s[LAT_HELD]['max']} ticks: the other VM's active "
                        f"interrupt held this one's back")
    return problems


# -- running, writing, plotting ---------------------------------------------------------

RUNNERS = {"uniprocessor": (uniprocessor, uniprocessor_conclusions),
           "multiprocessor": (multiprocessor, multiprocessor_conclusions),
           "latency": (latency, latency_conclusions)}


def run(experiment: str) -> tuple[dict, list[str]]:
    """Run one experiment; write its JSON, plot and report; return the
    results and what did not hold (empty if all did)."""
    if experiment not in RUNNERS:
        raise HarnessError(f"unknown experiment '{experiment}': expected one of "
                           f"{', '.join(EXPERIMENTS)}")
    measure, conclude = RUNNERS[experiment]
    try:
        results = measure()
    except ModelError as e:
        raise HarnessError(f"{experiment}: {e}") from None
    problems = conclude(results)
    results["conclusions_hold"] = not problems
    results["problems"] = problems
    RT_DIR.mkdir(parents=True, exist_ok=True)
    (RT_DIR / f"{experiment}.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    from . import rt_report
    (RT_DIR / f"{experiment}.txt").write_text(rt_report.text(experiment, results))
    rt_report.plot(experiment, results, RT_DIR / f"{experiment}.png")
    return results, problems
