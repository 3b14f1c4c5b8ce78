"""`./lab lesson namespaces`: each experiment shows what the lesson says it
shows (docs/namespaces.md quotes the same output)."""
import json
import socket

import pytest

from containers_support import need_root_and_rootfs
from harness import containers as hc


@pytest.fixture(scope="module")
def facts():
    need_root_and_rootfs()
    return json.loads(hc.lesson("namespaces", as_json=True, echo=lambda m: None))


def test_uts_namespace_has_its_own_hostname(facts):
    assert facts["uts"] == {"inside": "lesson-uts", "host": socket.gethostname()}
    assert socket.gethostname() != "lesson-uts"


def test_pid_namespace_starts_at_1_and_a_fresh_proc_hides_the_host(facts):
    p = facts["pid"]
    assert p["pid"] == 1 and p["host_pid"] > 1
    assert p["procs_with_host_proc"] > 5              # the host's processes, seen through its /proc
    assert p["procs_with_own_proc"] == 1              # only itself in its own /proc
    assert "python" in p["proc_1"]


def test_network_namespace_has_only_loopback(facts):
    n = facts["network"]
    assert n["interfaces"] == ["lo"] and len(n["host_interfaces"]) > 1
    assert n["lo_down_at_first"] is True and n["lo_up_after"] is True


def test_user_namespace_makes_nobody_root(facts):
    u = facts["user"]
    assert (u["uid_before"], u["uid_inside"]) == (65534, 0)
    assert int(u["cap_eff_inside"], 16) == (1 << (int(open(
        "/proc/sys/kernel/cap_last_cap").read()) + 1)) - 1      # every capability
    assert u["uid_map"] == ["0", "65534", "1"]


def test_setns_joins_a_running_container(facts):
    s = facts["setns"]
    assert s["hostname"] == "lesson-box" and s["uts"] == s["container_uts"]
    assert s["child_pid"] == 2                         # the container's init is 1


def test_memory_cgroup_oom_kills_the_hog(facts):
    c = facts["cgroup"]
    assert c["dd_status"] == 137 and c["oom_kill"] >= 1 and c["limit"] == 16 << 20


def test_the_lesson_prints_each_step():
    need_root_and_rootfs()
    text = hc.lesson("namespaces", echo=lambda m: None)
    headings = [line for line in text.splitlines() if line[:2] in {f"{i}." for i in range(1, 7)}]
    assert len(headings) == 6
    assert "hostname is 'lesson-uts'" in text and "exited with status 137" in text
