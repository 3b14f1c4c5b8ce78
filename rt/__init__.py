"""rt: schedulability analysis for real-time tasks and virtual machines.

A library on its own (pure Python, no emulator): tasks and resource
interfaces (model.py), demand and response times (demand.py), supply bound
functions (supply.py) and their brute-force referee (worst_case.py),
interface synthesis (interface.py), global EDF tests (global_edf.py) and a
discrete-time simulator (simulate.py). The lab's experiments
(harness/rt_experiments.py) hold it against the hypervisor; it never
imports the harness. See docs/rt-analysis.md."""
from .model import MPR, ModelError, PeriodicResource, Task

__all__ = ["MPR", "ModelError", "PeriodicResource", "Task"]
