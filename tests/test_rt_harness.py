"""The harness side of the RT work, without an emulator: the scenario keys
of the EDF policy (one-line errors naming the key), and the check that
reads a global-EDF guest's log."""
import pytest

from harness import HarnessError
from harness.rt_experiments import global_edf_inversions, jobs_of, misses
from harness.scenario import parse_scenarios
from rt.model import Task

BASE = '''
[s]
vms = { a = "rt", b = "rt" }
expect.a = ["SUMMARY"]
'''


@pytest.mark.parametrize("extra, says", [
    ('sched = "lottery"', "[s] sched: Input should be 'round-robin' or 'edf'"),
    ('sched = "edf"\nreservation.a = { period_us = 100, budget_us = 50 }',
     "[s] reservation.b: missing: under sched = \"edf\" every VM needs one"),
    ('sched = "edf"\nreservation.a = { period_us = 100, budget_us = 150 }\n'
     'reservation.b = { period_us = 100, budget_us = 10 }',
     "[s] reservation.a: periodic resource: Θ=150 > Π=100"),
    ('sched = "edf"\nreservation.a = { period_us = 100, budget_us = 60 }\n'
     'reservation.b = { period_us = 200, budget_us = 90 }',
     "[s] reservation: those on CPU 0 add up to 21/20 (1.050) of it"),
    ('sched = "edf"\nreservation.a = { period_us = 100, budget_us = 50, slice = 3 }\n'
     'reservation.b = { period_us = 100, budget_us = 50 }', "[s] reservation.a.slice: unknown key"),
    ('sched = "edf"\nvcpus.a = 2\nreservation.a = { period_us = 100, budget_us = [50] }\n'
     'reservation.b = { period_us = 100, budget_us = 50 }',
     "[s] reservation.a.budget_us: 1 budget(s) for 2 vCPU(s)"),
    ('reservation.a = { period_us = 100, budget_us = 50 }', '[s] reservation: needs sched = "edf"'),
    ('params.a = [1, -2]', "[s] params.a.1: Input should be greater than or equal to 0"),
    ('params.c = [1]', "[s] params.c: names no such VM: c"),
])
def test_bad_realtime_keys_are_one_line(extra, says):
    with pytest.raises(HarnessError) as e:
        parse_scenarios(BASE + extra, "scenarios.toml")
    assert says in str(e.value) and "\n" not in str(e.value)
    assert str(e.value).startswith("scenarios.toml: [s] ")


def test_good_realtime_keys_are_kept():
    s = parse_scenarios(BASE + 'sched = "edf"\nvcpus.a = 2\n'
                        'reservation.a = { period_us = 100, budget_us = [50, 40] }\n'
                        'reservation.b = { period_us = 200, budget_us = 100 }\n'
                        'params.a = [7, 8]', "x")["s"]
    assert s.sched == "edf" and s.params == {"a": [7, 8]} and s.cpus == 2


TASKS = [Task(2, 10, name="hi"), Task(5, 20, name="lo"), Task(5, 40, name="low")]


def _log(*events):
    return [tuple(e) for e in events]


def test_global_edf_check_accepts_an_ipi_on_its_way():
    """vCPU 0 takes the new urgent job and sends vCPU 1 an IPI for the next
    one; vCPU 1 switches when it takes it: correct."""
    log = _log((0, "release", 0, 2, 0), (5, "run", 0, 2, 0), (6, "release", 0, 0, 0),
               (6, "release", 0, 1, 0), (8, "preempt", 0, 2, 0), (8, "run", 0, 0, 0),
               (9, "ipi", 0, -1, 1), (12, "run", 1, 1, 0), (20, "finish", 1, 1, 0),
               (20, "run", 1, 2, 0))
    r = global_edf_inversions(log, TASKS, 1, 2)
    assert r["unexcused_count"] == 0 and r["episodes"] >= 1


def test_global_edf_check_catches_a_forgotten_ipi():
    """The same, but nobody tells vCPU 1: the less urgent job 'low' keeps
    running there while 'lo' waits. That is the error the check is for."""
    log = _log((0, "release", 0, 2, 0), (1, "run", 1, 2, 0), (5, "idle", 0, -1, 0),
               (6, "release", 0, 0, 0), (6, "release", 0, 1, 0), (8, "run", 0, 0, 0),
               (20, "finish", 0, 0, 0), (20, "run", 0, 1, 0))
    r = global_edf_inversions(log, TASKS, 1, 2)
    assert r["unexcused_count"] == 1
    assert r["unexcused"][0][1:3] == (1, (1, 0))


def test_jobs_and_misses_from_a_log():
    log = _log((0, "release", 0, 0, 0), (3, "run", 0, 0, 0), (4, "preempt", 0, 0, 0),
               (9, "run", 0, 0, 0), (12, "finish", 0, 0, 0))
    jobs = jobs_of(log, TASKS, 1)
    job = jobs[0, 0]
    assert (job.start, job.finish, job.response, job.runs) == (3, 12, 12, [(0, 3, 4), (0, 9, 12)])
    assert [(j.task, j.index) for j in misses(jobs)] == [(0, 0)]      # due at 10
