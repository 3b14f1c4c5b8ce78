"""The namespaces lesson, as experiments to run and read: each makes one
kind of isolation with the bare system calls (unshare, setns, a cgroup
file) in a forked child, and prints what the child sees next to what the
host sees. The last two use the runtime itself. Run it with
`./lab lesson namespaces` (root), or `python -m containers.lesson`.
docs/namespaces.md walks through the output."""
import json
import os
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from . import linux
from .errors import ContainerError

NOBODY = 65534


def in_child(body) -> dict:
    """Run body() in a forked child; what it returns (a dict) comes back as
    JSON through a pipe. The child never returns into our code."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            result = body()
        except BaseException as e:
            result = {"error": f"{type(e).__name__}: {e}"}
        os.write(write, json.dumps(result).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        data = f.read()
    os.waitpid(pid, 0)
    result = json.loads(data or '{"error": "the child died"}')
    if "error" in result:
        raise ContainerError(result["error"])
    return result


def forked(body) -> dict:
    """body() in a grandchild: after unshare(CLONE_NEWPID) only children
    enter the new PID namespace."""
    def middle():
        return in_child(body)
    return middle


def uts() -> dict:
    """UTS: a hostname of its own. sethostname() in the new namespace
    changes only what processes inside it see."""
    def child():
        linux.unshare(linux.CLONE_NEWUTS)
        socket.sethostname("lesson-uts")
        return {"inside": socket.gethostname()}
    return in_child(child) | {"host": socket.gethostname()}


def count_pids() -> int:
    return sum(1 for name in os.listdir("/proc") if name.isdigit())


def pid_and_proc() -> dict:
    """PID and mount: the first process of a new PID namespace is PID 1. It
    still sees the host's processes through the host's /proc, until a
    mount namespace of its own gets a fresh /proc, which shows only its
    namespace. (/ is made private first, so that mount never reaches the
    host.)"""
    def child():
        linux.unshare(linux.CLONE_NEWPID)

        def first():
            before = count_pids()
            linux.unshare(linux.CLONE_NEWNS)
            linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
            linux.mount("proc", "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV |
                        linux.MS_NOEXEC)
            return {"pid": os.getpid(), "procs_with_host_proc": before,
                    "procs_with_own_proc": count_pids(),
                    "proc_1": Path("/proc/1/cmdline").read_bytes().split(b"\0")[0].decode()}
        return in_child(first)
    return in_child(child) | {"host_pid": os.getpid(), "host_procs": count_pids()}


def network() -> dict:
    """Network: a new namespace has only loopback, and even that is down
    until someone brings it up (the runtime does, network.py)."""
    def child():
        from .network import loopback_up
        linux.unshare(linux.CLONE_NEWNET)
        names = [name for _, name in socket.if_nameindex()]
        down = Path("/proc/self/net/dev").exists() and _lo_up() is False
        loopback_up()
        return {"interfaces": names, "lo_down_at_first": down, "lo_up_after": _lo_up()}
    host = [name for _, name in socket.if_nameindex()]
    return in_child(child) | {"host_interfaces": host}


def _lo_up() -> bool:
    import fcntl
    import struct
    from .network import IFF_UP, IFREQ, SIOCGIFFLAGS
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack(IFREQ, fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack(IFREQ, b"lo", 0)))[1]
    return bool(flags & IFF_UP)


def user() -> dict:
    """User: an unprivileged user (nobody, 65534) makes a user namespace
    and maps its own uid to 0 in it. Inside it is root with every
    capability, over the namespaces it owns; the host still sees nobody."""
    def child():
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
        # a change of uid leaves a process undumpable, its /proc/self files
        # root's: dumpable again, as a process started by nobody would be
        linux.prctl(linux.PR_SET_DUMPABLE, 1)
        before = os.getuid()
        linux.unshare(linux.CLONE_NEWUSER)
        Path("/proc/self/setgroups").write_text("deny")      # needed before gid_map
        Path("/proc/self/uid_map").write_text(f"0 {NOBODY} 1\n")
        Path("/proc/self/gid_map").write_text(f"0 {NOBODY} 1\n")
        status = Path("/proc/self/status").read_text()
        cap_eff = next(line.split()[1] for line in status.splitlines()
                       if line.startswith("CapEff"))
        return {"uid_before": before, "uid_inside": os.getuid(), "cap_eff_inside": cap_eff,
                "uid_map": Path("/proc/self/uid_map").read_text().split()}
    return in_child(child)


def setns_into(container_pid: int) -> dict:
    """setns: a process joins the namespaces of a running container through
    /proc/PID/ns/*, as `exec` does (init.exec_stage_a): then it sees the
    container's hostname, and a child of it is in its PID namespace."""
    def child():
        for name, flag in (("uts", linux.CLONE_NEWUTS), ("pid", linux.CLONE_NEWPID)):
            fd = os.open(f"/proc/{container_pid}/ns/{name}", os.O_RDONLY)
            linux.setns(fd, flag)
            os.close(fd)
        return {"hostname": socket.gethostname(),
                "uts": os.readlink("/proc/self/ns/uts"),
                "child_pid": in_child(lambda: {"pid": os.getpid()})["pid"]}
    return in_child(child) | {"container_uts": os.readlink(f"/proc/{container_pid}/ns/uts")}


def bundle(directory: Path, rootfs: str, args: list[str], **linux_extra) -> Path:
    """A small config.json for the lesson's containers."""
    config = {
        "ociVersion": "1.0.2", "hostname": "lesson-box",
        "root": {"path": rootfs, "readonly": True},
        "process": {"args": args, "cwd": "/", "env": ["PATH=/bin"],
                    "user": {"uid": 0, "gid": 0}, "noNewPrivileges": True},
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                   {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                    "options": ["nosuid", "mode=755"]}],
        "linux": {"namespaces": [{"type": t} for t in ("pid", "uts", "mount", "ipc",
                                                       "network")]} | linux_extra,
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def with_container(rootfs: str) -> dict:
    """Two experiments on containers the runtime makes: setns into one,
    and a memory limit that the OOM killer enforces inside another."""
    from . import create, lifecycle
    from .state import Container
    work = Path(tempfile.mkdtemp(prefix="ocirun-lesson-"))
    root = work / "state"
    results = {}
    try:
        box = create.create(root, "lesson-box", bundle(work / "box", rootfs, ["sleep", "600"]))
        lifecycle.start(box)
        results["setns"] = setns_into(box.state.pid)
        lifecycle.delete(Container(root, "lesson-box"), force=True)
        results["cgroup"] = memory_limit(root, work, rootfs)
    finally:
        for c in (root.iterdir() if root.is_dir() else []):
            lifecycle.delete(Container(root, c.name), force=True)
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    return results


HOG_LIMIT = 16 << 20
HOG_SIZE = "64M"


def memory_limit(root: Path, work: Path, rootfs: str) -> dict:
    """cgroup: a container whose memory cgroup allows 16 MiB runs dd with a
    64 MiB buffer; the kernel's OOM killer ends dd inside the group
    (SIGKILL: status 137), and memory.oom_control counts the kill."""
    from . import cgroups, create, lifecycle
    from .state import Container
    out = work / "hog.out"
    script = (f"dd if=/dev/zero of=/dev/null bs={HOG_SIZE} count=1 2>/dev/null; "
              f"echo $?; sleep 600")
    resources = {"memory": {"limit": HOG_LIMIT, "swap": HOG_LIMIT}}
    saved = os.dup(1)
    with open(out, "w") as f:
        os.dup2(f.fileno(), 1)                 # the container's stdout is ours: to a file
        try:
            c = create.create(root, "lesson-hog", bundle(work / "hog", rootfs,
                                                          ["sh", "-c", script],
                                                          resources=resources))
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    lifecycle.start(c)
    deadline = time.monotonic() + 30
    while not out.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    group = cgroups.restore(c.state.cgroup)
    facts = {"dd_status": int(out.read_text().split()[0]), "limit": HOG_LIMIT}
    facts |= group.memory_report()
    lifecycle.delete(Container(root, "lesson-hog"), force=True)
    return facts


EXPERIMENTS = ("uts", "pid", "network", "user", "setns", "cgroup")


def run_all(rootfs: str) -> dict:
    results = {"uts": uts(), "pid": pid_and_proc(), "network": network(), "user": user()}
    return results | with_container(rootfs)


def describe(r: dict) -> str:
    """The lesson's text: each experiment and what it showed."""
    u, p, n, us, s, c = (r[k] for k in EXPERIMENTS)
    return "\n".join([
        "1. UTS namespace: a hostname of its own",
        f"   inside: hostname is '{u['inside']}'; the host's is still '{u['host']}'",
        "2. PID namespace, then a mount namespace with a fresh /proc",
        f"   the first process in it has PID {p['pid']} (on the host: {p['host_pid']} is us)",
        f"   through the host's /proc it still sees {p['procs_with_host_proc']} processes;",
        f"   with its own /proc mounted: {p['procs_with_own_proc']} (PID 1 is "
        f"'{p['proc_1']}')",
        "3. Network namespace: only loopback",
        f"   interfaces inside: {', '.join(n['interfaces'])}; on the host: "
        f"{', '.join(n['host_interfaces'])}",
        f"   lo is down at first ({n['lo_down_at_first']}), up once brought up "
        f"({n['lo_up_after']})",
        "4. User namespace: an unprivileged user becomes root",
        f"   uid {us['uid_before']} (nobody) before; inside uid {us['uid_inside']}, "
        f"CapEff {us['cap_eff_inside']}",
        f"   uid_map '{' '.join(us['uid_map'])}': inside 0 is outside {us['uid_map'][1]}",
        "5. setns into a running container (made by create and start; then /proc/PID/ns/*)",
        f"   hostname after setns: '{s['hostname']}'; its UTS namespace {s['uts']} is the "
        f"container's ({s['container_uts']})",
        f"   a child forked after setns into the PID namespace is PID {s['child_pid']} there",
        "6. cgroup memory limit: the OOM killer inside the group",
        f"   limit {c['limit'] >> 20} MiB; dd with a {HOG_SIZE} buffer exited with status "
        f"{c['dd_status']} (128 + SIGKILL {signal.SIGKILL.value})",
        f"   the group's OOM kills (memory.oom_control, v2: memory.events): {c['oom_kill']}",
    ])


def main(argv: list[str]) -> int:
    import argparse
    p = argparse.ArgumentParser(prog="python -m containers.lesson")
    p.add_argument("--rootfs", required=True, help="a busybox rootfs for the containers")
    p.add_argument("--json", action="store_true", help="the facts as JSON, for tests")
    a = p.parse_args(argv)
    if os.geteuid() != 0:
        print("lesson: the experiments need root (unshare, mount, cgroups)", file=sys.stderr)
        return 1
    try:
        results = run_all(os.path.abspath(a.rootfs))
    except ContainerError as e:
        print(f"lesson: {e}", file=sys.stderr)
        return 1
    print(json.dumps(results, indent=2) if a.json else describe(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
