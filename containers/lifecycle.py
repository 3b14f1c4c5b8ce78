"""The operations of the runtime spec on an existing container (runtime.md,
"Operations"): start, state, kill, delete, and runc's ps and list. Each
checks the container's status first and refuses what the spec forbids
(start of a container that is not created, delete of one not stopped).
Making a container is create.py; this file is what every other command
loads, so it imports little (each command is a new Python process)."""
import os
import select
import signal
import sys
import time
from pathlib import Path

from . import cgroups, hooks
from .errors import ContainerError
from .state import Container, all_containers, alive

POLL = 0.01                  # seconds between looks at a process that is not our child
STOP_GUARD = 30              # seconds a killed container may take to go (a hang guard)
START_GUARD = 60             # seconds `start` waits for startContainer hooks and execve


# -- start, state, kill ---------------------------------------------------------------

def start(c: Container) -> None:
    with c.locked():
        c.load()
        status = c.status()
        if status != "created":
            raise ContainerError(f"cannot start container '{c.id}': it is {status}, "
                                 f"not created")
        error = open_fifo(c)
        c.fifo.unlink()
        c.state.status = "running"
        c.save()
    if error:
        raise ContainerError(f"container '{c.id}' could not start its process: {error}")
    # The process may have finished already; the hooks still see it as it
    # was when execve succeeded.
    state = c.oci_state() | {"status": "running", "pid": c.state.pid}
    hooks.run("poststart", c.state.hooks.get("poststart", []), state, warn=warn)


def open_fifo(c: Container) -> str:
    """The other end of the init's wait. Opened read-write first, which never
    blocks, so a dead init cannot hang us; the init's byte says it is past
    the FIFO; then EOF (its write end closed by execve) says the process
    runs. Anything else it wrote is its error."""
    rw = os.open(c.fifo, os.O_RDWR | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        first = read_when_ready(rw, c, START_GUARD)
        if not first:
            return "the container's init has exited"
        ro = os.open(c.fifo, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    finally:
        os.close(rw)
    try:
        rest = b""
        while chunk := read_when_ready(ro, c, START_GUARD):
            rest += chunk
        return (first[1:] + rest).decode(errors="replace")
    finally:
        os.close(ro)


def read_when_ready(fd: int, c: Container, guard: float) -> bytes:
    """Wait for data on a non-blocking FIFO fd while the init lives."""
    deadline = time.monotonic() + guard
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                return os.read(fd, 4096)
            except BlockingIOError:
                continue
        if not alive(c.state.pid, c.state.pid_start):
            return b""
    raise ContainerError(f"container '{c.id}': its init did not finish starting in {guard} s")


def state(c: Container) -> dict:
    return c.load().oci_state()


def kill(c: Container, sig: int, all_processes=False) -> None:
    c.load()
    status = c.status()
    if status not in ("created", "running"):
        raise ContainerError(f"cannot kill container '{c.id}': it is {status}")
    targets = [c.state.pid]
    if all_processes and (cg := cgroups.restore(c.state.cgroup)):
        targets = cg.pids() or targets
    for pid in targets:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


# -- delete ----------------------------------------------------------------------------

def delete(c: Container, force=False) -> None:
    with c.locked():
        c.load()
        status = c.status()
        if status != "stopped":
            if not force:
                raise ContainerError(f"cannot delete container '{c.id}' that is {status}: "
                                     f"stop it first, or use --force")
            stop_everything(c)
        destroy(c)


def stop_everything(c: Container) -> None:
    """SIGKILL the init and everything in the cgroup, and wait until gone."""
    cg = cgroups.restore(c.state.cgroup)
    deadline = time.monotonic() + STOP_GUARD
    while time.monotonic() < deadline:
        pids = ([c.state.pid] if alive(c.state.pid, c.state.pid_start) else [])
        pids += cg.pids() if cg else []
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(POLL)
    raise ContainerError(f"container '{c.id}': processes still there after {STOP_GUARD} s")


def destroy(c: Container) -> None:
    """Remove everything the container had: its processes, cgroup, veth and
    state directory; then the poststop hooks."""
    s = c.state
    if s is None:
        return
    if alive(s.pid, s.pid_start):
        stop_everything(c)
    elif (cg := cgroups.restore(s.cgroup)) and cg.pids():
        stop_everything(c)
    if cg := cgroups.restore(s.cgroup):
        cg.destroy()
    if s.veth:
        from .network import remove_veth          # pyroute2: only when there is one
        remove_veth(s.veth)
    hooks_ = s.hooks.get("poststop", [])
    was = c.oci_state() | {"status": "stopped"}
    c.remove()
    hooks.run("poststop", hooks_, was, warn=warn)


def warn(message: str) -> None:
    print(f"ocirun: warning: {message}", file=sys.stderr, flush=True)


# -- ps, list ---------------------------------------------------------------------------

def processes(c: Container) -> list[int]:
    c.load()
    cg = cgroups.restore(c.state.cgroup)
    return cg.pids() if cg else []


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


def listing(root: Path) -> list[Container]:
    return all_containers(root)
