"""What each part of config.json does inside the container, checked from
inside and from the host: namespaces isolate, limits hold, capabilities,
no_new_privs and seccomp deny, and the process gets its user, rlimits,
terminal and hooks."""
import json
import os
import socket
import time
from pathlib import Path

import pytest

from containers_support import host_cgroup_dirs, ocirun, rootfs, shell_in_terminal  # noqa: F401
from harness.containers import default_config

ALL = ("pid", "network", "ipc", "uts", "mount", "cgroup")
NS_FILES = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt",
            "cgroup": "cgroup", "user": "user"}


def ns_inodes(text: str) -> dict[str, str]:
    """'net:[4026531840]' lines to {'net': '4026531840'}."""
    return dict(line.rstrip("]").split(":[") for line in text.split())


def read_ns(where: str) -> str:
    return " ".join(f"$(readlink {where}/{n})" for n in NS_FILES.values())


@pytest.mark.parametrize("kind", ["pid", "network", "ipc", "uts", "mount", "cgroup"])
def test_each_namespace_is_new_and_only_when_asked(ocirun, kind):
    """With `kind` in linux.namespaces the container's namespace of that
    type differs from the host's; without it, it is the host's."""
    host = {n: os.readlink(f"/proc/self/ns/{f}").split(":[")[1].rstrip("]")
            for n, f in NS_FILES.items()}
    probe = ["sh", "-c", "echo " + read_ns("/proc/self/ns")]
    without = tuple(k for k in ALL if k != kind)
    if kind != "mount":
        status, out, err = ocirun.run(probe, namespaces=without,
                                      hostname=None if kind == "uts" else "ocirun")
        assert status == 0, err
        assert ns_inodes(out)[NS_FILES[kind]] == host[kind]
    status, out, err = ocirun.run(probe, namespaces=ALL)
    assert status == 0, err
    assert ns_inodes(out)[NS_FILES[kind]] != host[kind]


def test_what_each_namespace_shows_inside(ocirun):
    script = ("hostname; echo $$; ls -d /proc/[0-9]* | wc -l; ls /sys/class/net; "
              "cat /proc/1/cmdline; echo; awk '$5 == \"/\"' /proc/self/mountinfo | wc -l")
    status, out, err = ocirun.run(["sh", "-c", script])
    assert status == 0, err
    hostname, pid, nprocs, *rest = out.splitlines()
    assert hostname == "ocirun" != socket.gethostname()
    assert pid == "1"
    assert int(nprocs) <= 3                  # sh, ls (and the shell's subshell): not the host's
    assert rest[0] == "lo"                   # only loopback in a new network namespace
    assert rest[1].startswith("sh")
    assert rest[2] == "1"                    # one root mount: the pivoted rootfs


def test_loopback_is_up(ocirun):
    config = default_config(["sh", "-c", "cat /sys/class/net/lo/operstate; "
                                         "ping -c 1 -W 2 127.0.0.1 >/dev/null && echo pong"])
    for caps in config["process"]["capabilities"].values():
        caps.append("CAP_NET_RAW")                   # ping's raw socket
    r = ocirun("run", "--bundle", ocirun.bundle_from(config), ocirun.cid())
    assert r.returncode == 0 and r.stdout.split() == ["unknown", "pong"], r.stderr


def test_user_namespace_maps_root_to_an_unprivileged_user(ocirun):
    """uid 0 inside is uid 100000 outside: root in the container, nobody
    special on the host."""
    cid = ocirun.cid()
    maps = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    config = default_config(["sh", "-c", "id -u; cat /proc/self/uid_map; sleep 3600"],
                            namespaces=ALL + ("user",), uidMappings=maps, gidMappings=maps)
    config["mounts"] = [m for m in config["mounts"] if m["destination"] != "/sys"]
    out = ocirun.tmp / "out"
    with open(out, "w") as f:
        ocirun("run", "-d", "--bundle", ocirun.bundle_from(config), cid, check=True, stdout=f)
    pid = ocirun.state(cid)["pid"]
    _wait_for_lines(out, 2)
    uid, mapping = out.read_text().splitlines()[:2]
    assert uid == "0" and mapping.split() == ["0", "100000", "65536"]
    host_uid = [line for line in open(f"/proc/{pid}/status") if line.startswith("Uid:")][0]
    assert host_uid.split()[1:] == ["100000"] * 4
    ocirun("delete", "--force", cid, check=True)


def test_joining_a_namespace_by_path(ocirun):
    first = ocirun.cid()
    ocirun("run", "-d", "--bundle", ocirun.bundle(["sleep", "3600"]), first, check=True)
    pid = ocirun.state(first)["pid"]
    config = default_config(["readlink", "/proc/self/ns/net"],
                            namespaces=("pid", "ipc", "uts", "mount"))
    config["linux"]["namespaces"].append({"type": "network", "path": f"/proc/{pid}/ns/net"})
    r = ocirun("run", "--bundle", ocirun.bundle_from(config), ocirun.cid(), check=True)
    assert r.stdout.strip() == os.readlink(f"/proc/{pid}/ns/net")
    ocirun("delete", "--force", first, check=True)


def test_memory_limit_kills_a_hog_inside(ocirun):
    """dd with a 64 MiB buffer in a 16 MiB cgroup: the OOM killer ends dd
    (SIGKILL, status 137), the shell around it goes on."""
    cid = ocirun.cid()
    resources = {"memory": {"limit": 16 << 20, "swap": 16 << 20}}
    script = "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo dd=$?; sleep 3600"
    out = ocirun.tmp / "out"
    with open(out, "w") as f:
        ocirun("run", "-d", "--bundle", ocirun.bundle(["sh", "-c", script], resources=resources),
               cid, check=True, stdout=f)
    _wait_for_lines(out, 1)
    assert out.read_text().strip() == "dd=137"
    memory = _leaf(ocirun, cid, "memory")
    assert int((memory / "memory.limit_in_bytes").read_text()) == 16 << 20
    oom = dict(line.split() for line in (memory / "memory.oom_control").read_text().splitlines())
    assert int(oom["oom_kill"]) >= 1
    ocirun("delete", "--force", cid, check=True)


def test_pids_limit_stops_a_fork_bomb(ocirun):
    """A shell starting 20 background sleeps in a group with pids.max 8: a
    fork fails, and busybox's shell gives up ("can't fork", status 2);
    the group never holds more than 8 tasks."""
    cid = ocirun.cid()
    script = ("sh -c 'for i in $(seq 20); do sleep 3600 & done' 2>/dev/null; echo bomb=$?; "
              "exec sleep 3600")
    out = ocirun.tmp / "out"
    with open(out, "w") as f:
        ocirun("run", "-d", "--bundle", ocirun.bundle(["sh", "-c", script],
                                                      resources={"pids": {"limit": 8}}),
               cid, check=True, stdout=f)
    _wait_for_lines(out, 1)
    assert out.read_text() == "bomb=2\n"
    pids = _leaf(ocirun, cid, "pids")
    assert (pids / "pids.max").read_text().strip() == "8"
    assert int((pids / "pids.current").read_text()) <= 8
    assert int((pids / "pids.events").read_text().split()[1]) > 0     # "max N": refusals
    assert len(json.loads(ocirun("ps", "-f", "json", cid).stdout)) <= 8
    ocirun("delete", "--force", cid, check=True)


def test_cpu_resources_reach_the_cgroup(ocirun):
    cid = ocirun.cid()
    cpu = {"shares": 512, "quota": 20000, "period": 100000}
    ocirun("run", "-d", "--bundle", ocirun.bundle(["sleep", "3600"], resources={"cpu": cpu}),
           cid, check=True)
    leaf = _leaf(ocirun, cid, "cpu")
    assert [(leaf / f).read_text().strip() for f in ("cpu.shares", "cpu.cfs_quota_us",
                                                     "cpu.cfs_period_us")] == \
        ["512", "20000", "100000"]
    pid = ocirun.state(cid)["pid"]
    assert str(pid) in (leaf / "cgroup.procs").read_text().split()
    ocirun("delete", "--force", cid, check=True)
    assert host_cgroup_dirs(cid) == []


def test_capabilities_deny_and_grant(ocirun):
    """Without CAP_SYS_ADMIN mount(2) fails; with it, it works. The five
    sets arrive as given (bit 5 is CAP_KILL, 10 NET_BIND_SERVICE, 29
    AUDIT_WRITE)."""
    probe = ["sh", "-c", "grep Cap /proc/self/status; mount -t tmpfs t /tmp && echo mounted"]
    status, out, err = ocirun.run(probe)
    caps = dict(line.split(":") for line in out.splitlines() if line.startswith("Cap"))
    expected = f"{(1 << 5) | (1 << 10) | (1 << 29):016x}"
    assert {k: v.strip() for k, v in caps.items()} == {
        "CapInh": "0" * 16, "CapPrm": expected, "CapEff": expected, "CapBnd": expected,
        "CapAmb": "0" * 16}
    assert "mounted" not in out and "permission denied" in err, err
    config = default_config(probe)
    admin = ["CAP_SYS_ADMIN"]
    config["process"]["capabilities"] = {s: admin for s in ("bounding", "effective",
                                                            "permitted", "inheritable",
                                                            "ambient")}
    r = ocirun("run", "--bundle", ocirun.bundle_from(config), ocirun.cid())
    assert r.returncode == 0 and "mounted" in r.stdout
    assert f"CapAmb:\t{1 << 21:016x}" in r.stdout


def test_seccomp_denies_what_the_filter_says(ocirun):
    """mkdir gets EPERM from the filter (errnoRet 1), sync(2) kills the
    process (SIGSYS); everything else is allowed."""
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
               "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                             "errnoRet": 1},
                            {"names": ["sync"], "action": "SCMP_ACT_KILL_PROCESS"}]}
    script = "mkdir /tmp/d || echo mkdir-denied; sh -c sync; echo after-sync=$?"
    status, out, _ = ocirun.run(["sh", "-c", script], seccomp=seccomp)
    assert status == 0 and out.splitlines() == ["mkdir-denied", f"after-sync={128 + 31}"]
    status, out, _ = ocirun.run(["sh", "-c", script])
    assert out.splitlines() == ["after-sync=0"]                 # the same without a filter
    config = default_config(["sh", "-c", script], seccomp=seccomp)
    config["process"]["noNewPrivileges"] = False     # the filter is loaded earlier, with caps
    config["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
    config["process"]["capabilities"]["permitted"].append("CAP_SYS_ADMIN")
    r = ocirun("run", "--bundle", ocirun.bundle_from(config), ocirun.cid())
    assert r.stdout.splitlines() == ["mkdir-denied", f"after-sync={128 + 31}"]


def test_no_new_privileges_rlimits_user_env_cwd(ocirun):
    config = default_config(["sh", "-c", "grep NoNewPrivs /proc/self/status; ulimit -n; id; "
                                         "echo $GREETING; pwd; umask"])
    p = config["process"]
    p["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}]
    p["user"] = {"uid": 65534, "gid": 65534, "additionalGids": [5, 7], "umask": 0o27}
    p["env"].append("GREETING=hello from env")
    p["cwd"] = "/tmp"
    r = ocirun("run", "--bundle", ocirun.bundle_from(config), ocirun.cid())
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "NoNewPrivs:\t1", "123", "uid=65534(nobody) gid=65534(nogroup) groups=5,7",
        "hello from env", "/tmp", "0027"]
    p["noNewPrivileges"] = False
    r = ocirun("run", "--bundle", ocirun.bundle_from(config), ocirun.cid())
    assert r.stdout.splitlines()[0] == "NoNewPrivs:\t0"


def test_masked_and_readonly_paths_and_root(ocirun):
    assert os.path.getsize("/proc/timer_list") == 0 and open("/proc/timer_list").read()
    script = ("wc -c < /proc/timer_list; echo x > /proc/sys/kernel/domainname || echo ro-denied; "
              "touch /newfile || echo root-ro; touch /tmp/ok && echo tmp-rw; ls /dev")
    status, out, err = ocirun.run(["sh", "-c", script])
    lines = out.splitlines()
    assert lines[:4] == ["0", "ro-denied", "root-ro", "tmp-rw"]
    devices = set(" ".join(lines[4:]).split())
    assert {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "ptmx", "fd",
            "stdin", "stdout", "stderr"} <= devices
    status, out, _ = ocirun.run(["sh", "-c", "echo hi > /dev/null && head -c 4 /dev/zero | "
                                             "wc -c"])
    assert out.strip() == "4"


def test_terminal_master_arrives_over_the_console_socket(ocirun):
    """process.terminal: the pty master comes over --console-socket as
    SCM_RIGHTS, as conmon expects it from runc."""
    sock_path = ocirun.tmp / "console.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(sock_path))
    listener.listen(1)
    cid = ocirun.cid()
    bundle = ocirun.bundle(["sh", "-c", "tty; echo term=$TERM; read line; echo got:$line"],
                           terminal=True)
    ocirun("create", "--bundle", bundle, "--console-socket", sock_path, cid, check=True)
    conn, _ = listener.accept()
    _, fds, _, _ = socket.recv_fds(conn, 1024, 1)
    master = fds[0]
    ocirun("start", cid, check=True)
    os.write(master, b"typed\n")
    seen = b""
    deadline = time.monotonic() + 30
    while b"got:typed" not in seen and time.monotonic() < deadline:
        seen += os.read(master, 1024)
    text = seen.decode().replace("\r", "")
    assert "/dev/pts/0\nterm=xterm\n" in text and "got:typed" in text
    os.close(master)
    ocirun.wait_status(cid, "stopped")
    ocirun("delete", cid, check=True)


def test_hooks_run_in_order_with_the_state(ocirun, tmp_path):
    """Each hook appends its name and the state it read on stdin to a log
    the container sees at /hooks (startContainer runs inside it)."""
    log_dir = tmp_path / "hooks"
    log_dir.mkdir()
    def hook(name, where):
        return {"path": "/bin/sh", "args": ["sh", "-c", f"echo {name} $(cat) >> {where}/log"]}
    hooks = {"createRuntime": [hook("createRuntime", log_dir)],
             "createContainer": [hook("createContainer", log_dir)],
             "startContainer": [hook("startContainer", "/hooks")],
             "poststart": [hook("poststart", log_dir)],
             "poststop": [hook("poststop", log_dir)]}
    config = default_config(["sh", "-c", "echo process >> /hooks/log"]) | {"hooks": hooks}
    config["mounts"].append({"destination": "/hooks", "type": "bind", "source": str(log_dir),
                             "options": ["rbind"]})
    cid = ocirun.cid()
    r = ocirun("run", "--bundle", ocirun.bundle_from(config), cid)
    assert r.returncode == 0, r.stderr
    lines = (log_dir / "log").read_text().splitlines()
    names = [line.split(" ", 1)[0] for line in lines]
    # poststart and the process itself race; everything else is ordered
    assert names[:3] == ["createRuntime", "createContainer", "startContainer"]
    assert sorted(names[3:5]) == ["poststart", "process"] and names[5] == "poststop"
    states = {line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1])
              for line in lines if line[0] != "p" or line.startswith("post")}
    assert {s["id"] for s in states.values()} == {cid}
    assert [states[n]["status"] for n in ("createRuntime", "createContainer", "startContainer",
                                          "poststart", "poststop")] == \
        ["creating", "creating", "created", "running", "stopped"]
    assert states["createRuntime"]["pid"] == states["poststart"]["pid"] > 0


def test_a_failing_hook_fails_create_and_leaves_nothing(ocirun):
    config = default_config(["true"]) | {"hooks": {"createRuntime": [
        {"path": "/bin/sh", "args": ["sh", "-c", "echo no way >&2; exit 3"]}]}}
    cid = ocirun.cid()
    r = ocirun("create", "--bundle", ocirun.bundle_from(config), cid)
    assert r.returncode == 1
    assert r.stderr.strip() == ("ocirun: createRuntime hook /bin/sh: exited with status 3: "
                                "no way")
    assert not (ocirun.root / cid).exists() and host_cgroup_dirs(cid) == []


def test_veth_pair_to_the_host(ocirun):
    cid = ocirun.cid()
    config = default_config(["sh", "-c", "ip -o -4 addr show eth0; sleep 3600"]) | {
        "annotations": {"lab.ocirun/veth": "10.231.1.1/30 10.231.1.2/30"}}
    out = ocirun.tmp / "out"
    with open(out, "w") as f:
        ocirun("run", "-d", "--bundle", ocirun.bundle_from(config), cid, check=True, stdout=f)
    _wait_for_lines(out, 1)
    assert "inet 10.231.1.2/30" in out.read_text()
    host = ocirun.saved(cid)["veth"]
    assert "10.231.1.1/30" in os.popen(f"ip -o -4 addr show {host}").read()
    ocirun("delete", "--force", cid, check=True)
    assert not os.path.exists(f"/sys/class/net/{host}")


def _leaf(ocirun, cid: str, controller: str) -> Path:
    base = Path("/sys/fs/cgroup") / controller
    for d in ocirun.saved(cid)["cgroup"]["dirs"]:
        if d.startswith(str(base) + "/") and d.endswith(cid):
            return Path(d)
    raise AssertionError(f"no {controller} cgroup for {cid}")


def _wait_for_lines(path: Path, n: int, guard: float = 30) -> None:
    deadline = time.monotonic() + guard
    while len(path.read_text().splitlines()) < n:
        assert time.monotonic() < deadline, f"{path}: fewer than {n} lines after {guard} s"
        time.sleep(0.02)


def test_run_with_a_terminal_relays_it(ocirun):
    """`run` of a process.terminal container with no --console-socket: the
    runtime takes the master itself and relays between it and its own
    terminal, as `runc run` does."""
    from harness.containers import OCIRUN
    bundle = ocirun.bundle(["sh"], terminal=True)
    seen, status = shell_in_terminal([str(OCIRUN), "--root", str(ocirun.root), "run",
                                      "--bundle", str(bundle), ocirun.cid()],
                                     "tty; echo x=$((2+3))", "x=5", 4)
    assert "/dev/pts/0" in seen and status == 4


def test_the_process_inherits_no_python_signal_state(ocirun):
    """The init is a fork of the Python runtime, which ignores SIGPIPE and
    SIGXFSZ; an ignored signal stays ignored across execve, so the runtime
    must undo it: the container's process starts with nothing ignored or
    blocked, as it would from a shell."""
    status, out, err = ocirun.run(["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"])
    assert status == 0, err
    assert out.split() == ["SigBlk:", "0" * 16, "SigIgn:", "0" * 16]


def test_devices_cgroup_denies_a_node_made_inside(ocirun):
    """With CAP_MKNOD a container can make any device node; the devices
    controller (linux.resources.devices: deny all, as podman asks) keeps it
    from making or opening one (v1 checks mknod too), while the default
    devices still work. Without the rules the same node opens."""
    script = ("if mknod /dev/kmsg c 1 11 && (: > /dev/kmsg); then echo opened; "  # opened, no write
              "else echo denied; fi; echo ok > /dev/null && echo null-works")
    def config(rules):
        c = default_config(["sh", "-c", script], resources={"devices": rules} if rules else {})
        for caps in c["process"]["capabilities"].values():
            caps.append("CAP_MKNOD")
        return c
    deny_all = [{"allow": False, "access": "rwm"}]
    r = ocirun("run", "--bundle", ocirun.bundle_from(config(deny_all)), ocirun.cid())
    assert r.stdout.split() == ["denied", "null-works"], r.stderr
    r = ocirun("run", "--bundle", ocirun.bundle_from(config(None)), ocirun.cid())
    assert r.stdout.split() == ["opened", "null-works"], r.stderr
