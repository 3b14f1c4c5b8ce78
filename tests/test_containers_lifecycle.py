"""ocirun's lifecycle as the OCI runtime spec defines it (runtime.md):
create leaves the init waiting, start runs the process, state reports
each status, kill and delete, and the errors the spec asks for. Also bad
input: each gets one clear line and leaves nothing behind."""
import json
import os
import signal
import subprocess
import time

from harness.containers import OCIRUN, default_config

from containers_support import leftovers, ocirun, rootfs, shell_in_terminal  # noqa: F401

SLEEP = ["sleep", "3600"]
VETH = "10.231.0.1/30 10.231.0.2/30"       # a veth pair between the host and the container


def test_create_start_state_kill_delete(ocirun):
    cid, bundle = ocirun.cid(), ocirun.bundle(SLEEP)
    pid_file = ocirun.tmp / "pid"
    ocirun("create", "--bundle", bundle, "--pid-file", pid_file, cid, check=True)
    s = ocirun.state(cid)
    assert s["status"] == "created"
    assert s["id"] == cid and s["bundle"] == str(bundle) and s["ociVersion"].startswith("1.")
    assert int(pid_file.read_text()) == s["pid"] > 0
    # created: the init waits, and the process has not run yet
    assert "sleep" not in open(f"/proc/{s['pid']}/cmdline").read()
    assert (ocirun.root / cid / "exec.fifo").exists()
    ocirun("start", cid, check=True)
    s = ocirun.state(cid)
    assert s["status"] == "running"
    assert open(f"/proc/{s['pid']}/cmdline").read().split("\0")[:2] == SLEEP
    again = ocirun("start", cid)
    assert again.returncode == 1 and "it is running, not created" in again.stderr
    refused = ocirun("delete", cid)
    assert refused.returncode == 1 and "use --force" in refused.stderr
    ocirun("kill", cid, "KILL", check=True)
    assert ocirun.wait_status(cid, "stopped")["pid"] == 0
    late = ocirun("kill", cid, "KILL")
    assert late.returncode == 1 and "it is stopped" in late.stderr
    saved = ocirun.saved(cid)
    ocirun("delete", cid, check=True)
    gone = ocirun("state", cid)
    assert gone.returncode == 1 and "does not exist" in gone.stderr
    assert leftovers(ocirun, cid, s["pid"], saved, bundle) == []


def test_kill_reaches_a_waiting_init_and_a_running_process(ocirun):
    """A created container's init is Python waiting on the FIFO: SIGTERM still
    ends it. A running PID 1 with a handler gets the signal."""
    cid = ocirun.cid()
    ocirun("create", "--bundle", ocirun.bundle(SLEEP), cid, check=True)
    ocirun("kill", cid, "TERM", check=True)
    ocirun.wait_status(cid, "stopped")
    ocirun("delete", cid, check=True)
    cid = ocirun.cid()
    trap = "trap 'echo got-term > /dev/shm/x; exit 0' TERM; while :; do sleep 0.05; done"
    ocirun("run", "--detach", "--bundle", ocirun.bundle(["sh", "-c", trap]), cid, check=True)
    ocirun("kill", cid, "15", check=True)
    ocirun.wait_status(cid, "stopped")
    ocirun("delete", cid, check=True)


def test_run_returns_the_process_exit_status(ocirun):
    """run reports the exit status, or 128+signal. As PID 1 of a PID
    namespace a process ignores signals it has no handler for (from inside);
    without its own PID namespace the same signal kills it."""
    assert ocirun.run(["sh", "-c", "exit 7"])[0] == 7
    pid1 = ocirun.run(["sh", "-c", "kill -SEGV $$; echo survived"])
    assert pid1[:2] == (0, "survived\n")
    no_pidns = ocirun.run(["sh", "-c", "echo out; kill -SEGV $$"],
                          namespaces=("network", "ipc", "uts", "mount"))
    assert no_pidns[:2] == (128 + signal.SIGSEGV, "out\n")


def test_exec_joins_the_container(ocirun):
    cid = ocirun.cid()
    ocirun("run", "-d", "--bundle", ocirun.bundle(SLEEP), cid, check=True)
    r = ocirun("exec", cid, "sh", "-c", "echo $$; cat /proc/1/cmdline; echo; hostname; exit 3")
    assert r.returncode == 3
    pid, cmdline, hostname = r.stdout.splitlines()
    assert int(pid) > 1 and cmdline.startswith("sleep") and hostname == "ocirun"
    pid_file = ocirun.tmp / "exec.pid"
    ocirun("exec", "--detach", "--pid-file", pid_file, cid, "sleep", "3601", check=True)
    exec_pid = int(pid_file.read_text())
    assert open(f"/proc/{exec_pid}/cmdline").read().startswith("sleep\x003601")
    ps = json.loads(ocirun("ps", "--format", "json", cid, check=True).stdout)
    assert ocirun.state(cid)["pid"] in ps and exec_pid in ps
    listed = json.loads(ocirun("list", "--format", "json", check=True).stdout)
    assert [(c["id"], c["status"]) for c in listed] == [(cid, "running")]
    saved = ocirun.saved(cid)
    ocirun("delete", "--force", cid, check=True)
    assert leftovers(ocirun, cid, exec_pid, saved) == []
    stopped = ocirun("exec", cid, "true")
    assert stopped.returncode == 1 and "does not exist" in stopped.stderr


def test_duplicate_id_and_unknown_signal(ocirun):
    cid, bundle = ocirun.cid(), ocirun.bundle(SLEEP)
    ocirun("create", "--bundle", bundle, cid, check=True)
    first = ocirun.state(cid)
    dup = ocirun("create", "--bundle", bundle, cid)
    assert dup.returncode == 1
    assert dup.stderr.strip() == f"ocirun: container with id '{cid}' already exists"
    assert ocirun.state(cid) == first                 # the first one is untouched
    bad = ocirun("kill", cid, "SIGFOO")
    assert bad.returncode == 1 and bad.stderr.strip() == "ocirun: unknown signal 'SIGFOO'"
    assert ocirun.state(cid)["status"] == "created"
    ocirun("delete", "--force", cid, check=True)


def test_malformed_config_names_each_field(ocirun):
    config = {"ociVersion": "2.0", "root": {"path": 5},
              "process": {"args": [], "cwd": "relative", "user": {"uid": -1, "gid": 0},
                          "rlimits": [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]},
              "linux": {"namespaces": [{"type": "time"}, {"type": "pid"}, {"type": "pid"}],
                        "seccomp": {"defaultAction": "SCMP_ACT_MAYBE"}}}
    cid = ocirun.cid()
    r = ocirun("create", "--bundle", ocirun.bundle_from(config), cid)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert sorted(r.stderr.splitlines()) == sorted(f"ocirun: config.json: {line}" for line in [
        "ociVersion: '2.0' is not a 1.x version of the runtime spec",
        "root.path: must be a string",
        "process.args: must be a non-empty list of strings",
        "process.cwd: must be an absolute path, not 'relative'",
        "process.user.uid: must be at least 0",
        "process.rlimits[0].type: unknown rlimit 'RLIMIT_BOGUS'",
        "linux.namespaces[0].type: unknown namespace type 'time' "
        "(one of pid, network, mount, ipc, uts, user, cgroup)",
        "linux.namespaces[2].type: namespace 'pid' listed twice",
        "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_MAYBE'",
    ])
    assert not (ocirun.root / cid).exists()


def test_incomplete_or_broken_config(ocirun):
    cases = {
        "{": "config.json: not valid JSON: Expecting property name enclosed in double quotes "
             "at line 1, column 2",
        "{}": "config.json: ociVersion: missing (must be a string)",
        json.dumps({"ociVersion": "1.0.2", "root": {"path": "rootfs"}}):
            "root.path: the rootfs {bundle}/rootfs is not a directory",
    }
    for text, expected in cases.items():
        bundle = ocirun.tmp / f"bad{len(ocirun.made)}"
        ocirun.made.append(bundle.name)
        bundle.mkdir()
        (bundle / "config.json").write_text(text)
        r = ocirun("create", "--bundle", bundle, ocirun.cid())
        line = expected.format(bundle=bundle)
        assert r.returncode == 1 and r.stderr.splitlines()[0].endswith(line), r.stderr
        assert len(r.stderr.splitlines()) == (2 if text == "{}" else 1)
    missing = ocirun("create", "--bundle", ocirun.tmp / "nowhere", ocirun.cid())
    assert "nowhere/config.json: no such file" in missing.stderr
    assert not ocirun.root.exists() or list(ocirun.root.iterdir()) == []


def test_json_log_for_engines(ocirun):
    """--log with --log-format json: runc's records, which conmon reads."""
    log = ocirun.tmp / "log.json"
    r = ocirun("--log", log, "--log-format", "json", "start", "nosuch")
    assert r.returncode == 1
    record = json.loads(log.read_text().splitlines()[-1])
    assert record["level"] == "error" and record["msg"] == "container 'nosuch' does not exist"
    assert set(record) == {"level", "msg", "time"}


def test_a_crashing_process_leaves_nothing(ocirun):
    cid, bundle = ocirun.cid(), ocirun.bundle(["sh", "-c", "sleep 3602 & kill -SEGV $$"])
    ocirun("create", "--bundle", bundle, cid, check=True)
    pid = ocirun.state(cid)["pid"]
    ocirun("start", cid, check=True)
    ocirun.wait_status(cid, "stopped")
    saved = ocirun.saved(cid)
    ocirun("delete", cid, check=True)
    assert leftovers(ocirun, cid, pid, saved, bundle) == []


def test_runtime_killed_mid_create_leaves_nothing(ocirun):
    """SIGKILL the runtime while a createRuntime hook runs: the init and the
    hook die with it; delete then removes the rest."""
    marker = ocirun.tmp / "hook-started"
    hook = {"path": "/bin/sh", "args": ["sh", "-c", f"echo $$ > {marker}; exec sleep 3603"]}
    cid = ocirun.cid()
    bundle = ocirun.bundle_from(_with_hooks(ocirun, SLEEP, createRuntime=[hook]))
    proc = subprocess.Popen([str(OCIRUN), "--root", str(ocirun.root), "create", "--bundle",
                             str(bundle), cid])
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    saved = ocirun.saved(cid)
    proc.kill()
    proc.wait()
    hook_pid = int(marker.read_text())
    _gone(hook_pid)
    _gone(saved["pid"])
    assert ocirun.state(cid)["status"] == "stopped"
    ocirun("delete", cid, check=True)
    assert leftovers(ocirun, cid, saved["pid"], saved, bundle) == []


def test_delete_force_of_a_running_container_leaves_nothing(ocirun):
    cid = ocirun.cid()
    bundle = ocirun.bundle_from(_with(ocirun, ["sh", "-c", "sleep 3604 & sleep 3605 & wait"],
                                      annotations={"lab.ocirun/veth": VETH}))
    ocirun("run", "-d", "--bundle", bundle, cid, check=True)
    saved = ocirun.saved(cid)
    assert saved["veth"] and os.path.exists(f"/sys/class/net/{saved['veth']}")
    children = json.loads(ocirun("ps", "-f", "json", cid, check=True).stdout)
    ocirun("delete", "--force", cid, check=True)
    assert leftovers(ocirun, cid, saved["pid"], saved, bundle) == []
    for pid in children:
        assert not os.path.exists(f"/proc/{pid}") or "State:\tZ" in open(
            f"/proc/{pid}/status").read()


def _with(ocirun, args, **top):
    return default_config(args) | top


def _with_hooks(ocirun, args, **hooks):
    return _with(ocirun, args, hooks=hooks)


def _gone(pid: int, guard: float = 30) -> None:
    deadline = time.monotonic() + guard
    while time.monotonic() < deadline:
        try:
            if "State:\tZ" in open(f"/proc/{pid}/status").read():
                return
        except FileNotFoundError:
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} still there")


def test_exec_with_a_terminal(ocirun):
    """exec -t with no --console-socket: the runtime relays the new pty."""
    cid = ocirun.cid()
    ocirun("run", "-d", "--bundle", ocirun.bundle(SLEEP), cid, check=True)
    seen, status = shell_in_terminal([str(OCIRUN), "--root", str(ocirun.root), "exec", "-t",
                                      cid, "sh"], "tty; echo in=$(hostname)", "in=ocirun", 3)
    assert "/dev/pts/" in seen and status == 3
    ocirun("delete", "--force", cid, check=True)
