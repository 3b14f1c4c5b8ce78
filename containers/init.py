"""What runs inside the new namespaces, forked from the runtime (no new
interpreter is started). Two processes, as in runc's nsexec:

  stage A  joins namespaces given by path, makes a user namespace (the
           runtime writes its uid/gid maps), unshares the others, forks B
           and exits: a new PID namespace applies to children only, so B
           is its PID 1.
  stage B  the container's init: waits until the runtime has put it in its
           cgroup, builds the rootfs, pivot_root, hostname, terminal, user
           and capabilities, tells the runtime it is ready (create returns),
           then blocks opening exec.fifo until `start` opens the other end,
           and execs the container's process.

Both talk to the runtime over one SOCK_SEQPACKET socket (Channel). Every
failure is sent back as one line and ends the process with os._exit, so no
Python clean-up code ever runs in a forked child."""
import json
import os
import signal
import socket
import sys

from . import console, hooks, linux, network, process, rootfs, syscall_filter
from .errors import ContainerError

NAMESPACE_FLAGS = {"user": linux.CLONE_NEWUSER, "pid": linux.CLONE_NEWPID,
                   "mount": linux.CLONE_NEWNS, "uts": linux.CLONE_NEWUTS,
                   "ipc": linux.CLONE_NEWIPC, "network": linux.CLONE_NEWNET,
                   "cgroup": linux.CLONE_NEWCGROUP}
# /proc/PID/ns/ names, in the order `exec` joins them: the user namespace
# first (it owns the others), the mount namespace last (it changes the root).
PROC_NS = [("user", "user"), ("cgroup", "cgroup"), ("ipc", "ipc"), ("uts", "uts"),
           ("net", "network"), ("pid", "pid"), ("mnt", "mount")]
# While the init waits for `start`, it is the runtime's Python, PID 1 of its
# namespace: a signal with the default action would be ignored there, so
# these end it as their default action would.
WAITING_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT,
                   signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM)
SIGNAL_EXIT = 128
MESSAGE_SIZE = 65536


class Channel:
    """Messages between the runtime and its children: 'verb rest'."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def send(self, verb: str, rest: str = "") -> None:
        self.sock.send(f"{verb} {rest}".encode())

    def recv(self) -> tuple[str, str]:
        data = self.sock.recv(MESSAGE_SIZE)
        if not data:
            return "eof", ""
        verb, _, rest = data.decode().partition(" ")
        return verb, rest


def fail_child(chan: Channel, error: BaseException) -> None:
    """Report and end a forked child; never returns."""
    if isinstance(error, ContainerError):
        message = str(error)
    elif isinstance(error, OSError):
        message = f"{error.strerror or error}" + (f": {error.filename}" if error.filename else "")
    else:
        import traceback                # a bug of ours: the whole story
        message = "internal error: " + "".join(traceback.format_exception(error)).strip()
    try:
        chan.send("error", message)
    except OSError:
        pass
    os._exit(1)


def join(ns_path: str, kind: str) -> None:
    try:
        fd = os.open(ns_path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        raise ContainerError(f"linux.namespaces: {kind}: {ns_path}: {e.strerror}")
    try:
        linux.setns(fd, NAMESPACE_FLAGS[kind])
    except OSError as e:
        raise ContainerError(f"linux.namespaces: joining {kind} namespace {ns_path}: "
                             f"{e.strerror}")
    finally:
        os.close(fd)


def stage_a(spec, chan: Channel, fifo_fd: int, console_sock) -> None:
    """The first child of `create`. Never returns."""
    try:
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        namespaces = spec.linux.namespaces
        for ns in sorted((n for n in namespaces if n.path), key=lambda n: n.type != "user"):
            join(ns.path, ns.type)
        new = [n.type for n in namespaces if not n.path]
        if "user" in new:
            linux.unshare(linux.CLONE_NEWUSER)
            chan.send("userns")
            if chan.recv()[0] != "mapped":
                os._exit(1)
            os.setresgid(0, 0, 0)
            os.setresuid(0, 0, 0)
        flags = 0
        for kind in new:
            if kind not in ("user", "cgroup"):     # cgroup: once B is in its cgroup
                flags |= NAMESPACE_FLAGS[kind]
        linux.unshare(flags)
        pid = os.fork()
        if pid == 0:
            stage_b(spec, chan, fifo_fd, console_sock, spec.linux.namespace("user") is not None)
        chan.send("pid", str(pid))
        os._exit(0)
    except BaseException as e:
        fail_child(chan, e)


def stage_b(spec, chan: Channel, fifo_fd: int, console_sock, in_user_ns: bool) -> None:
    """The container's init. Never returns. `fifo_fd` is exec.fifo opened
    with O_PATH by the runtime: the init may be a user that could not reach
    the state directory, and after pivot_root it could not name it."""
    try:
        verb, rest = chan.recv()
        if verb != "go":
            os._exit(1)                        # the runtime failed or died
        state = json.loads(rest)                 # the spec's state, for the hooks
        if any(n.type == "cgroup" and not n.path for n in spec.linux.namespaces):
            linux.unshare(linux.CLONE_NEWCGROUP)
        seccomp = syscall_filter.prepare(spec.linux.seccomp)      # imports before pivot
        proc = spec.process
        rootfs.prepare(spec, in_user_ns)
        hooks.run("createContainer", spec.hooks.get("createContainer", []), state)
        rootfs.pivot(spec.root_path)
        if proc.terminal:
            setup_terminal(console_sock)
        if spec.hostname is not None:
            set_hostname(spec)
        for key, value in spec.linux.sysctl.items():
            write_sysctl(key, value)
        if any(n.type == "network" and not n.path for n in spec.linux.namespaces):
            network.loopback_up()
        rootfs.finish(spec)
        path = process.find_executable(proc.args[0], process.env_dict(proc.env))
        process.prepare_security(proc, seccomp)
        chan.send("ready")
    except BaseException as e:
        fail_child(chan, e)
    wait_for_start(fifo_fd)
    try:
        state["status"] = "created"
        hooks.run("startContainer", spec.hooks.get("startContainer", []), state)
        process.execute(proc, path, seccomp)
    except BaseException as e:
        report_to_start(e)


def setup_terminal(console_sock) -> None:
    """A pty from the container's devpts; its master to the console socket,
    its slave as /dev/console and as our stdio and controlling terminal."""
    master, slave = console.open_pty()
    console.send_master(console_sock, master, slave)
    os.close(master)
    console_sock.close()
    if os.path.isdir("/dev"):
        rootfs.make_target("/dev/console", True)
        linux.mount(slave, "/dev/console", None, linux.MS_BIND)
    console.become_controlling(slave)


def set_hostname(spec) -> None:
    if not any(n.type == "uts" for n in spec.linux.namespaces):
        raise ContainerError("hostname: setting it needs a uts namespace in linux.namespaces")
    socket.sethostname(spec.hostname)


def write_sysctl(key: str, value: str) -> None:
    path = "/proc/sys/" + key.replace(".", "/")
    try:
        with open(path, "w") as f:
            f.write(value)
    except OSError as e:
        raise ContainerError(f"linux.sysctl: {key}: {e.strerror}")


_fifo_write_fd = -1


def wait_for_start(fifo_fd: int) -> None:
    """Block opening the FIFO for writing until `start` opens it, write one
    byte, and keep it open: it closes at execve (O_CLOEXEC), which is how
    `start` knows the process is running. Signals end the wait."""
    global _fifo_write_fd
    for sig in WAITING_SIGNALS:
        signal.signal(sig, lambda signum, frame: os._exit(SIGNAL_EXIT + signum))
    try:
        _fifo_write_fd = os.open(f"/proc/self/fd/{fifo_fd}", os.O_WRONLY | os.O_CLOEXEC)
        os.write(_fifo_write_fd, b"0")
    except OSError as e:
        print(f"ocirun: init: waiting for start: {e}", file=sys.stderr, flush=True)
        os._exit(1)
    os.close(fifo_fd)
    for sig in WAITING_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)


def report_to_start(error: BaseException) -> None:
    """After the FIFO: a failure goes to `start` through it. Never returns."""
    message = str(error) if isinstance(error, ContainerError) else repr(error)
    try:
        os.write(_fifo_write_fd, message.encode())
    except OSError:
        pass
    os._exit(1)


# -- exec: a new process in a running container ----------------------------------

def exec_stage_a(init_pid: int, cgroup, proc, seccomp_config, chan: Channel,
                 console_sock) -> None:
    """Join the container's cgroup and namespaces, fork the process. Never
    returns."""
    try:
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        if cgroup is not None:
            cgroup.add(os.getpid())
        seccomp = syscall_filter.prepare(seccomp_config)      # imports before setns
        fds = []
        for name, kind in PROC_NS:
            own, theirs = f"/proc/self/ns/{name}", f"/proc/{init_pid}/ns/{name}"
            if os.stat(own).st_ino != os.stat(theirs).st_ino:
                fds.append((os.open(theirs, os.O_RDONLY | os.O_CLOEXEC), kind))
        for fd, kind in fds:
            linux.setns(fd, NAMESPACE_FLAGS[kind])
            os.close(fd)
        pid = os.fork()
        if pid == 0:
            exec_stage_b(proc, seccomp, chan, console_sock)
        chan.send("pid", str(pid))
        os._exit(0)
    except BaseException as e:
        fail_child(chan, e)


def exec_stage_b(proc, seccomp, chan: Channel, console_sock) -> None:
    """The exec'd process, in every namespace of the container. The channel
    is closed by execve (O_CLOEXEC): the runtime reads EOF then."""
    try:
        if proc.terminal:
            master, slave = console.open_pty()
            console.send_master(console_sock, master, slave)
            os.close(master)
            console_sock.close()
            console.become_controlling(slave)
        path = process.find_executable(proc.args[0], process.env_dict(proc.env))
        process.prepare_security(proc, seccomp)
        process.execute(proc, path, seccomp)
    except BaseException as e:
        fail_child(chan, e)
