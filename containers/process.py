"""The container's process: the last steps before execve, shared by a
container's init and by `exec`. Resource limits, no_new_privs, seccomp,
the user and its groups, capabilities, then exec. Python leaves some
signals ignored (SIGPIPE, SIGXFSZ), and an ignored signal stays ignored
across execve, so every disposition is put back to the default first."""
import os
import resource
import signal

from . import capabilities, linux, syscall_filter
from .errors import ContainerError

# The signals Python's start-up changes from their default disposition.
PYTHON_CHANGED = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT)
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def env_dict(env: list[str]) -> dict[str, str]:
    out = {}
    for item in env:
        key, _, value = item.partition("=")
        out[key] = value
    return out


def find_executable(arg0: str, env: dict[str, str]) -> str:
    """arg0 as execvpe(3) would find it in the container; an error now, at
    create, rather than a container that fails when started (as runc does)."""
    if "/" in arg0:
        candidates = [arg0]
    else:
        candidates = [os.path.join(d or ".", arg0)
                      for d in env.get("PATH", DEFAULT_PATH).split(":")]
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    where = "" if "/" in arg0 else " in $PATH"
    raise ContainerError(f'exec: "{arg0}": executable file not found{where}')


def set_rlimits(rlimits) -> None:
    for lim in rlimits:
        kind = getattr(resource, lim.type, None)
        if kind is None:
            raise ContainerError(f"process.rlimits: {lim.type} is not known here")
        try:
            resource.setrlimit(kind, (lim.soft, lim.hard))
        except (ValueError, OSError) as e:
            raise ContainerError(f"process.rlimits: {lim.type} {lim.soft}/{lim.hard}: {e} "
                                 f"(raising a hard limit needs CAP_SYS_RESOURCE)")


def switch_user(user) -> None:
    """Groups, then gid, then uid (after the uid change we could not)."""
    try:
        os.setgroups(user.additional_gids)
    except PermissionError:
        if user.additional_gids:
            raise ContainerError("process.user.additionalGids: setgroups is not allowed "
                                 "here (a user namespace with setgroups denied?)")
    try:
        os.setresgid(user.gid, user.gid, user.gid)
        os.setresuid(user.uid, user.uid, user.uid)
    except OSError as e:
        raise ContainerError(f"process.user: uid {user.uid} gid {user.gid}: {e.strerror} "
                             f"(is it mapped in the user namespace?)")
    if user.umask is not None:
        os.umask(user.umask)


def prepare_security(process, seccomp) -> None:
    """Before the FIFO: as runc does, seccomp goes on here when it is a
    privileged operation (no no_new_privs), then user and capabilities.
    `seccomp` is the filter syscall_filter.prepare() built, or None."""
    set_rlimits(process.rlimits)
    try:
        os.chdir(process.cwd)
    except OSError as e:
        raise ContainerError(f"process.cwd: {process.cwd}: {e.strerror}")
    if process.no_new_privileges:
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    elif seccomp is not None:
        syscall_filter.load(seccomp)
    caps = process.capabilities
    if caps is not None:
        capabilities.drop_bounding(caps["bounding"])
        linux.prctl(linux.PR_SET_KEEPCAPS, 1)
    switch_user(process.user)
    if caps is not None:
        capabilities.set_sets(caps)


def execute(process, path: str, seccomp) -> None:
    """The last step: with no_new_privs the filter goes on as late as it can,
    so the fewest syscalls of the runtime itself run under it."""
    if process.no_new_privileges and seccomp is not None:
        syscall_filter.load(seccomp)
    for sig in PYTHON_CHANGED:
        signal.signal(sig, signal.SIG_DFL)
    try:
        os.execve(path, process.args, env_dict(process.env))
    except OSError as e:
        raise ContainerError(f'exec: "{process.args[0]}": {e.strerror}')
