"""The RT experiments (harness/rt_experiments.py, docs/rt-*.md) end to end
on the arm64 target: each boots the hypervisor with EDF reservations and
the RT guests, and the test holds the measurements to the analysis. Every
run counts instructions (-icount), so these numbers repeat exactly."""
import json
import os

import pytest

from harness import HarnessError, rt_experiments as rx
from harness.lab import ensure_tools
from harness.target import load_target


@pytest.fixture(scope="module")
def arm64_tools():
    try:
        ensure_tools(load_target(rx.TARGET))
    except HarnessError as e:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"arm64 cannot run here: {e}")


def _files_written(name):
    for suffix in ("json", "png", "txt"):
        assert (rx.RT_DIR / f"{name}.{suffix}").stat().st_size > 0
    return json.loads((rx.RT_DIR / f"{name}.json").read_text())


def test_uniprocessor(arm64_tools):
    """Synthesised interfaces hold every response within its bound; one
    unit of budget less, at the worst-case phasing, a job misses."""
    r, problems = rx.run("uniprocessor")
    assert not problems, problems
    assert _files_written("uniprocessor")["conclusions_hold"]
    for name, vm in r["vms"].items():
        assert vm["jobs"] > 30 and vm["misses"] == 0, name
        assert all(w <= b for w, b in zip(vm["worst_response_ticks"], vm["bound_ticks"])), name
    demo = r["below_minimum"]["runs"]
    assert demo["minimum"]["schedulable"] and demo["minimum"]["miss_count"] == 0
    less = demo["minimum-1"]
    assert not less["schedulable"] and less["miss_count"] > 0
    first = less["misses"][0]
    assert (first["task"], first["index"]) == (0, 0)        # x1's first job, as analysed
    late = first["finish"] - first["deadline"]
    assert r["unit_ticks"] // 2 < late < 2 * r["unit_ticks"]     # one unit of supply short
    # the same phasing again: the same schedule, tick for tick
    assert rx.miss_demo(r["unit_us"])["runs"] == r["below_minimum"]["runs"]


def test_multiprocessor(arm64_tools):
    """Global EDF across 2 vCPUs: no deadline missed where the MPR test says
    schedulable; jobs migrate; never a less urgent job running while a more
    urgent one waits, but for an IPI on its way."""
    r, problems = rx.run("multiprocessor")
    assert not problems, problems
    _files_written("multiprocessor")
    heavy = r["sets"]["heavy"]["verdicts"]
    assert not heavy["GFB"] and heavy["BCL"] and heavy["gEDF on MPR"]
    for name, s in r["sets"].items():
        assert s["verdicts"]["gEDF on MPR"] and s["misses"] == 0, name
        assert s["migrations"] > 0, name
        assert s["inversions"]["unexcused_count"] == 0, name
        assert s["inversions"]["longest_ticks"] < r["unit_ticks"], name


def test_latency(arm64_tools):
    """The exit path adds a fixed cost to every timer interrupt; sharing the
    CPU adds up to the other VM's time: 2(Π−Θ) under a reservation, the
    time slice under round robin."""
    r, problems = rx.run("latency")
    assert not problems, problems
    _files_written("latency")
    s = r["summary"]
    alone, direct = s["hv alone"], s["directly"]
    assert direct["max"] < alone["min"] and alone["min"] == alone["max"]
    for period, budget in rx.LAT_RESERVATIONS.values():
        edf = s[rx._edf_label(period)]
        blackout = 2 * (period - budget) * rx.TICKS_PER_US
        assert alone["max"] < edf["max"] <= blackout + alone["max"]
    period, budget = rx.LAT_RESERVATIONS["edf-1ms"]
    assert s[rx.LAT_HELD]["max"] <= 2 * (period - budget) * rx.TICKS_PER_US + alone["max"]
    rr = s["hv, round robin 2 ms"]
    assert alone["max"] < rr["max"] <= rx.LAT_TIME_SLICE_US * rx.TICKS_PER_US + alone["max"]
