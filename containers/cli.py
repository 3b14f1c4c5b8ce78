"""The command line, spelled as runc spells it so that engines (podman via
conmon) and conformance tools can drive us: global --root, --log,
--log-format; create, start, state, kill, delete, run, exec, ps, list.
Errors are one line each on stderr (and records in --log, as JSON with
--log-format json, the way runc writes them for conmon to read)."""
import argparse
import json
import signal
import sys
import time
from pathlib import Path

from . import lifecycle
from .errors import ContainerError
from .state import DEFAULT_ROOT, Container

VERSION = "ocirun 0.1 (OCI runtime spec 1.0.2)"


def parse_signal(text: str) -> int:
    """KILL, SIGKILL or 9, as runc's kill takes them."""
    if text.isdigit():
        number = int(text)
        if number in {s.value for s in signal.Signals}:
            return number
    else:
        name = text.upper()
        name = name if name.startswith("SIG") else "SIG" + name
        if name in signal.Signals.__members__:
            return signal.Signals[name].value
    raise ContainerError(f"unknown signal '{text}'")


GLOBAL_WITH_VALUE = ("--root", "--log", "--log-format")


def with_id(sub, name: str, text: str):
    s = sub.add_parser(name, help=text, description=text)
    s.add_argument("id", metavar="ID")
    return s


def add_create(sub, name="create", text="create a container; its process waits for start"):
    s = with_id(sub, name, text)
    s.add_argument("--bundle", "-b", default=".", help="the bundle directory")
    s.add_argument("--pid-file", help="write the init's PID here")
    s.add_argument("--console-socket", help="unix socket to send the terminal's master to")
    for ignored in ("--no-pivot", "--no-new-keyring"):
        s.add_argument(ignored, action="store_true", help=argparse.SUPPRESS)
    s.add_argument("--preserve-fds", type=int, default=0, help=argparse.SUPPRESS)
    return s


def add_run(sub):
    s = add_create(sub, "run", "create and start a container, wait for it, delete it")
    s.add_argument("--detach", "-d", action="store_true")
    s.add_argument("--keep", action="store_true", help="do not delete it after it exits")


def add_kill(sub):
    s = with_id(sub, "kill", "send a signal to the container's init (default SIGTERM)")
    s.add_argument("signal", nargs="?", default="SIGTERM")
    s.add_argument("--all", "-a", action="store_true", help="to every process in its cgroup")


def add_delete(sub):
    s = with_id(sub, "delete", "remove a stopped container and everything it had")
    s.add_argument("--force", "-f", action="store_true", help="kill it first if it runs")


def add_exec(sub):
    s = with_id(sub, "exec", "run another process in a container")
    s.add_argument("command_args", nargs=argparse.REMAINDER, metavar="COMMAND")
    s.add_argument("--process", "-p", help="the process as JSON (config.json's 'process')")
    s.add_argument("--detach", "-d", action="store_true")
    s.add_argument("--pid-file")
    s.add_argument("--console-socket")
    s.add_argument("--tty", "-t", action="store_true")
    s.add_argument("--cwd")
    s.add_argument("--env", "-e", action="append", default=[])
    s.add_argument("--user", "-u", help="UID[:GID]")
    s.add_argument("--preserve-fds", type=int, default=0, help=argparse.SUPPRESS)


def add_ps(sub):
    s = with_id(sub, "ps", "list the processes in the container's cgroup")
    s.add_argument("--format", "-f", choices=("table", "json"), default="table")
    s.add_argument("ps_args", nargs="*", help=argparse.SUPPRESS)


def add_list(sub):
    s = sub.add_parser("list", help="list the containers under --root")
    s.add_argument("--format", "-f", choices=("table", "json"), default="table")
    s.add_argument("--quiet", "-q", action="store_true")


COMMANDS = {
    "create": add_create, "run": add_run,
    "start": lambda sub: with_id(sub, "start", "start the process of a created container"),
    "state": lambda sub: with_id(sub, "state", "print the container's state (spec JSON)"),
    "kill": add_kill, "delete": add_delete, "exec": add_exec, "ps": add_ps, "list": add_list,
}


def command_in(argv: list[str]) -> str | None:
    """The command word: the first argument that is neither a global option
    nor the value of one."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in GLOBAL_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """runc's command line. Only the named command's options are built when
    it is known: argparse compiles patterns for every option it is given,
    and each command is a new process."""
    p = argparse.ArgumentParser(prog="ocirun", description="a small OCI container runtime")
    p.add_argument("--root", default=DEFAULT_ROOT, help="state directory root")
    p.add_argument("--log", help="also write errors and warnings to this file")
    p.add_argument("--log-format", choices=("text", "json"), default="text")
    for flag in ("--debug", "--systemd-cgroup", "--rootless"):
        p.add_argument(flag, nargs="?", const=True, help=argparse.SUPPRESS)
    p.add_argument("--version", "-v", action="version", version=VERSION)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, add in COMMANDS.items():
        if command in (None, name) or command not in COMMANDS:
            add(sub)
    return p


def exec_process_spec(c: Container, a):
    """--process FILE, or the container's own process with COMMAND etc."""
    from . import spec as spec_mod
    problems: list[str] = []
    if a.process:
        try:
            raw = json.loads(Path(a.process).read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise ContainerError(f"--process {a.process}: {e}")
        where = f"--process {a.process}: process"
    else:
        if not a.command_args:
            raise ContainerError("exec: give a COMMAND or --process FILE")
        c.load()
        raw = dict(json.loads((Path(c.state.bundle) / "config.json").read_text())["process"])
        raw["args"] = a.command_args
        raw["terminal"] = a.tty
        raw["env"] = raw.get("env", []) + a.env
        if a.cwd:
            raw["cwd"] = a.cwd
        if a.user:
            uid, _, gid = a.user.partition(":")
            raw["user"] = {"uid": int(uid), "gid": int(gid or 0)}
        where = "exec: process"
    if not isinstance(raw, dict):
        raise ContainerError(f"{where}: must be a JSON object")
    proc = spec_mod.read_process(spec_mod.Reader(raw, "", problems))
    if problems:
        raise ContainerError("\n".join(f"{where}.{p}" for p in problems))
    return proc


def dispatch(a) -> int:
    root = Path(a.root)
    container = Container(root, a.id) if hasattr(a, "id") else None
    if a.command == "create":
        from . import create
        create.create(root, a.id, Path(a.bundle), a.pid_file, a.console_socket)
    elif a.command == "run":
        from . import create
        return create.run(root, a.id, Path(a.bundle), a.pid_file, a.console_socket,
                          a.detach, a.keep)
    elif a.command == "start":
        lifecycle.start(container)
    elif a.command == "state":
        print(json.dumps(lifecycle.state(container), indent=2))
    elif a.command == "kill":
        lifecycle.kill(container, parse_signal(a.signal), a.all)
    elif a.command == "delete":
        lifecycle.delete(container, a.force)
    elif a.command == "exec":
        from . import create
        return create.exec_process(container, exec_process_spec(container, a), a.detach,
                                      a.pid_file, a.console_socket)
    elif a.command == "ps":
        pids = lifecycle.processes(container)
        if a.format == "json":
            print(json.dumps(pids))
        else:
            print("PID CMD")
            for pid in pids:
                print(pid, lifecycle.command_line(pid))
    elif a.command == "list":
        print_list(lifecycle.listing(root), a.format, a.quiet)
    return 0


def print_list(containers, fmt: str, quiet: bool) -> None:
    if quiet:
        for c in containers:
            print(c.id)
        return
    rows = [c.oci_state() | {"created": c.state.created, "rootfs": c.state.rootfs}
            for c in containers]
    if fmt == "json":
        print(json.dumps(rows))
        return
    print(f"{'ID':<24}{'PID':>8}  {'STATUS':<10}{'BUNDLE':<40}CREATED")
    for r in rows:
        print(f"{r['id']:<24}{r['pid']:>8}  {r['status']:<10}{r['bundle']:<40}{r['created']}")


def log_error(a, message: str) -> None:
    print(f"ocirun: {message}", file=sys.stderr, flush=True)
    if not getattr(a, "log", None):
        return
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if a.log_format == "json":
        line = json.dumps({"level": "error", "msg": message, "time": now})
    else:
        line = f'time="{now}" level=error msg={json.dumps(message)}'
    try:
        with open(a.log, "a") as f:
            f.write(line + "\n")
    except OSError:
        pass


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv in (["--version"], ["-v"]):
        print(VERSION)                  # no parser to build for this one
        return 0
    a = build_parser(command_in(argv)).parse_args(argv)
    try:
        return dispatch(a)
    except ContainerError as e:
        for line in str(e).splitlines():
            log_error(a, line)
        return 1
    except KeyboardInterrupt:
        return 130
