"""rt/model.py: malformed tasks, task sets and interfaces are refused with
one line that names the task or interface and the field."""
import pytest

from rt.demand import edf_test, fp_test
from rt.global_edf import bcl
from rt.interface import periodic_interface
from rt.model import MPR, ModelError, PeriodicResource, Task, tasks_from_table, task_set


@pytest.mark.parametrize("make, says", [
    (lambda: Task(5, 10, 4, name="ctl"), "task 'ctl': C=5 > D=4"),
    (lambda: Task(0, 10, name="idle"), "task 'idle': C=0: must be positive"),
    (lambda: Task(1, -3, name="neg"), "task 'neg': T=-3: must be positive"),
    (lambda: Task(1, 10, 0, name="z"), "task 'z': D=0: must be positive"),
    (lambda: Task(1.5, 10, name="frac"), "task 'frac': C=1.5: must be a whole number"),
    (lambda: Task(True, 10, name="b"), "task 'b': C=True: must be a whole number"),
    (lambda: PeriodicResource(4, 5), "periodic resource: Θ=5 > Π=4"),
    (lambda: PeriodicResource(0, 0), "periodic resource: Π (period)=0: must be positive"),
    (lambda: PeriodicResource(4, -1), "Θ (budget)=-1: must be at least 0"),
    (lambda: MPR(4, 9, 2), "MPR: Θ=9 > m'·Π=8"),
    (lambda: MPR(4, 2, 0), "m' (processors)=0: must be positive"),
    (lambda: task_set([Task(3, 4, name="a"), Task(3, 6, name="b")]),
     "task set: utilisation U=5/4 (1.250) exceeds 1 processor(s)"),
    (lambda: task_set([Task(2, 4), Task(2, 4), Task(2, 4)], cpus=1), "exceeds 1 processor(s)"),
    (lambda: task_set([]), "task set: empty"),
    (lambda: fp_test([Task(1, 4, 6, name="late")]),
     "task 'late': D=6 > T=4: response-time analysis needs constrained deadlines (D <= T)"),
    (lambda: bcl([Task(1, 4, 6, name="late")], 2), "task 'late': D=6 > T=4: BCL needs"),
    (lambda: periodic_interface([Task(1, 4)], 4, "rr"), "scheduler 'rr': expected one of edf, fp"),
    (lambda: tasks_from_table([{"name": "x", "C": 1, "T": 4, "period": 4}]),
     "tasks[0] ('x'): unknown key(s) period"),
    (lambda: tasks_from_table([{"C": 1}]), "tasks[0]: missing T"),
])
def test_malformed_input_is_one_line_naming_it(make, says):
    with pytest.raises(ModelError) as e:
        make()
    message = str(e.value)
    assert says in message
    assert "\n" not in message


def test_utilisation_at_the_processor_count_is_accepted():
    """U = m is feasible (EDF on one processor reaches it): not an error."""
    assert edf_test([Task(2, 4), Task(2, 4)])
    assert task_set([Task(2, 2), Task(3, 3)], cpus=2)


def test_arbitrary_deadlines_are_fine_for_edf():
    """The processor-demand test needs no D <= T: dbf covers D > T."""
    v = edf_test([Task(2, 4, 7), Task(1, 3, 5)])
    assert v.schedulable, v


def test_table_rows_become_tasks():
    tasks = tasks_from_table([{"name": "ctl", "C": 2, "T": 10, "D": 8}, {"C": 1, "T": 5}])
    assert [(t.name, t.C, t.T, t.D) for t in tasks] == [("ctl", 2, 10, 8), ("tau2", 1, 5, 5)]
