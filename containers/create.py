"""Making a container: create (up to the `created` state, the init waiting
on exec.fifo), run (create, start, wait, delete in one process) and exec
(a new process inside a running container). The forked children's side of
each is init.py."""
import json
import os
import signal
import socket
from pathlib import Path

from . import cgroups, console, hooks, init, linux, network, spec as spec_mod
from .errors import ContainerError
from .lifecycle import destroy, delete, start
from .state import Container, process_start_time

FIFO_MODE = 0o622


# -- create -------------------------------------------------------------------------

def create(root: Path, cid: str, bundle: Path, pid_file=None, console_socket=None,
           foreground_console=None, spec=None) -> Container:
    """Everything up to the `created` state; the init waits on exec.fifo.
    `foreground_console` is `run`'s own end of a console socket pair."""
    bundle = bundle.resolve()
    spec = spec or spec_mod.load(bundle)
    if spec.process is None:
        raise ContainerError("config.json: process: missing (a container needs one to run)")
    if spec.process.terminal and not (console_socket or foreground_console):
        raise ContainerError("process.terminal is true: --console-socket is required")
    if not spec.linux.namespace("mount"):
        raise ContainerError("linux.namespaces: a mount namespace is required (pivot_root)")
    c = Container(root, cid)
    c.make(str(bundle))
    try:
        _create(c, spec, console_socket, foreground_console)
    except BaseException:
        destroy(c)
        raise
    if pid_file:
        write_pid_file(pid_file, c.state.pid)
    return c


def _create(c: Container, spec, console_socket, foreground_console) -> None:
    s = c.state
    s.annotations, s.rootfs = spec.annotations, spec.root_path
    s.hooks = hooks.as_json(spec.hooks)
    s.seccomp = spec.raw.get("linux", {}).get("seccomp")
    cgroup = cgroups.new(spec.linux.cgroups_path, c.id)
    os.mkfifo(c.fifo)
    os.chmod(c.fifo, FIFO_MODE)         # not mkfifo's mode: the umask would take from it
    fifo_fd = os.open(c.fifo, os.O_PATH | os.O_CLOEXEC)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    console_sock = (console.connect(console_socket) if spec.process.terminal and console_socket
                    else foreground_console)
    a = os.fork()
    if a == 0:
        ours.close()
        init.stage_a(spec, init.Channel(theirs), fifo_fd, console_sock)
    theirs.close()
    os.close(fifo_fd)
    chan = init.Channel(ours)
    try:
        s.pid = receive_init_pid(chan, a, spec)
    finally:
        os.waitpid(a, 0)
    s.pid_start = process_start_time(s.pid) or 0
    c.save()
    s.cgroup = cgroup.to_state()          # first: a create killed during mkdir leaves no group
    c.save()
    cgroup.create()
    s.cgroup = cgroup.to_state()
    c.save()
    cgroup.add(s.pid)
    cgroup.apply(spec.linux.resources)
    if spec.process.oom_score_adj is not None:
        Path(f"/proc/{s.pid}/oom_score_adj").write_text(str(spec.process.oom_score_adj))
    veth = spec.annotations.get(network.VETH_ANNOTATION)
    if veth:
        s.veth = network.add_veth(c.id, s.pid, veth)
        c.save()
    state = c.oci_state() | {"status": "creating", "pid": s.pid}
    hooks.run("prestart", spec.hooks["prestart"], state)
    hooks.run("createRuntime", spec.hooks["createRuntime"], state)
    chan.send("go", json.dumps(state))
    verb, rest = chan.recv()
    if verb != "ready":
        raise ContainerError(rest if verb == "error" else "the container's init exited "
                                                          "during set-up")
    s.status = "created"
    c.save()


def receive_init_pid(chan, a: int, spec) -> int:
    """Stage A's messages: maybe a request for ID maps, then B's PID."""
    while True:
        verb, rest = chan.recv()
        if verb == "userns":
            write_id_maps(a, spec.linux)
            chan.send("mapped")
        elif verb == "pid":
            return int(rest)
        elif verb == "error":
            raise ContainerError(rest)
        else:
            raise ContainerError("the container's init exited during set-up")


def write_id_maps(pid: int, linux_cfg) -> None:
    """uid_map and gid_map of the new user namespace, as 'inside outside count'."""
    for name, maps in (("uid_map", linux_cfg.uid_mappings), ("gid_map", linux_cfg.gid_mappings)):
        if not maps:
            continue
        text = "".join(f"{m.container_id} {m.host_id} {m.size}\n" for m in maps)
        try:
            Path(f"/proc/{pid}/{name}").write_text(text)
        except OSError as e:
            raise ContainerError(f"linux.{'uidMappings' if name == 'uid_map' else 'gidMappings'}:"
                                 f" writing {name}: {e.strerror}")


def write_pid_file(path: str, pid: int) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(str(pid))
    os.rename(tmp, path)


# -- run: create, start, wait, delete ---------------------------------------------------

def run(root: Path, cid: str, bundle: Path, pid_file=None, console_socket=None,
        detach=False, keep=False) -> int:
    """The container in the foreground: this process is a subreaper, so the
    init (its grandchild) is reparented to it and its exit status is ours.
    Signals we get are passed on to it, as runc does."""
    if detach:
        c = create(root, cid, bundle, pid_file, console_socket)
        start(c)
        return 0
    linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)
    spec = spec_mod.load(bundle.resolve())
    receiver = foreground = None
    if spec.process and spec.process.terminal and console_socket is None:
        receiver, foreground = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        c = create(root, cid, bundle, pid_file, console_socket, foreground, spec)
    finally:
        if foreground:
            foreground.close()
    master = console.receive_master(receiver) if receiver else None
    forward = forward_signals(c.state.pid)
    try:
        start(c)
        status = wait_for(c.state.pid, master)
    finally:
        for sig, previous in forward.items():
            signal.signal(sig, previous)
        if not keep:
            delete(c, force=True)
    return status


FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
             signal.SIGUSR2, signal.SIGWINCH)


def forward_signals(pid: int) -> dict:
    def send(signum, frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
    return {sig: signal.signal(sig, send) for sig in FORWARDED}


def wait_for(pid: int, master=None) -> int:
    """Reap children until `pid` exits (relaying its terminal meanwhile, if
    it has one); its status as a shell reports it."""
    if master is None:
        return exit_code(reap(pid))
    exited = []

    def done():
        got, status = os.waitpid(-1, os.WNOHANG)
        if got == pid:
            exited.append(status)
        return bool(exited)
    console.relay(master, done)
    return exit_code(exited[0] if exited else reap(pid))


def exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def reap(pid: int) -> int:
    while True:
        try:
            got, status = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            raise ContainerError(f"process {pid} is not ours to wait for")
        if got == pid:
            return status


# -- exec --------------------------------------------------------------------------------

def exec_process(c: Container, proc, detach=False, pid_file=None, console_socket=None) -> int:
    """A new process in the container's namespaces and cgroup."""
    c.load()
    status = c.status()
    if status not in ("created", "running"):
        raise ContainerError(f"cannot exec in container '{c.id}': it is {status}")
    seccomp = (spec_mod.read_seccomp(spec_mod.Reader(c.state.seccomp, "linux.seccomp", []))
               if c.state.seccomp else None)
    if not detach:
        linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)
    receiver = console_sock = None
    if proc.terminal:
        if console_socket:
            console_sock = console.connect(console_socket)
        else:
            receiver, console_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    a = os.fork()
    if a == 0:
        ours.close()
        init.exec_stage_a(c.state.pid, cgroups.restore(c.state.cgroup), proc, seccomp,
                          init.Channel(theirs), console_sock)
    theirs.close()
    if console_sock is not None:
        console_sock.close()
    chan = init.Channel(ours)
    try:
        verb, rest = chan.recv()
    finally:
        os.waitpid(a, 0)
    if verb != "pid":
        raise ContainerError(rest if verb == "error" else "exec: the process exited at once")
    pid = int(rest)
    verb, rest = chan.recv()            # EOF: execve closed its end
    if verb == "error":
        raise ContainerError(rest)
    if pid_file:
        write_pid_file(pid_file, pid)
    if detach:
        return 0
    master = console.receive_master(receiver) if receiver else None
    forward = forward_signals(pid)
    try:
        return wait_for(pid, master)
    finally:
        for sig, previous in forward.items():
            signal.signal(sig, previous)


