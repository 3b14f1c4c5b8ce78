"""The state directory: one folder per container under the runtime's root
(runc's --root, /run/ocirun by default) holding state.json, the exec FIFO
while the container is `created`, and a lock. The status the spec defines
(creating, created, running, stopped) is derived each time from what is
there: whether the init process still lives, and whether the FIFO exists."""
import errno
import fcntl
import json
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import ContainerError

DEFAULT_ROOT = "/run/ocirun"
STATE_FILE = "state.json"
FIFO = "exec.fifo"
LOCK = "lock"
OCI_VERSION = "1.0.2"            # the runtime spec version our state JSON follows
VALID_ID = re.compile(r"[A-Za-z0-9_.+-]+")     # runc's rule; keeps an ID a single path part


class State:
    """What the runtime keeps about one container (state.json). A plain
    class, not a dataclass: every command loads it, and the dataclasses
    module costs a command milliseconds to import."""
    FIELDS = {
        "id": "", "bundle": "",
        "status": "creating",      # as last written; see Container.status()
        "pid": 0,
        "pid_start": 0,            # /proc/PID/stat field 22: guards against PID reuse
        "creator": 0,              # the `create` process, while status is creating
        "annotations": {}, "created": "", "rootfs": "",
        "cgroup": {},              # what cgroups.restore() needs
        "veth": None,              # host side of the veth pair, if any
        "hooks": {},               # poststart and poststop, for start and delete
        "seccomp": None,           # linux.seccomp as given, for exec
    }

    def __init__(self, **values):
        for name, default in self.FIELDS.items():
            value = values.get(name, default)
            setattr(self, name, dict(value) if isinstance(value, dict) else value)

    def to_json(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}


def process_start_time(pid: int) -> int | None:
    """Field 22 of /proc/PID/stat, or None if there is no such live process
    (a zombie counts as gone: the container's process has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2:].split()      # the name may hold spaces
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def alive(pid: int, start: int) -> bool:
    return pid > 0 and process_start_time(pid) == start


class Container:
    """One container's state directory."""

    def __init__(self, root: Path, cid: str):
        self.root, self.id = root, cid
        self.dir = root / cid
        self.state: State | None = None

    @property
    def fifo(self) -> Path:
        return self.dir / FIFO

    # -- the directory ---------------------------------------------------------
    def make(self, bundle: str) -> None:
        """Claim the ID: mkdir is atomic, so of two creates one wins."""
        if not VALID_ID.fullmatch(self.id):
            raise ContainerError(f"invalid container id '{self.id}': use letters, digits "
                                 f"and _ . + -")
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self.dir.mkdir(mode=0o711)
        except FileExistsError:
            raise ContainerError(f"container with id '{self.id}' already exists")
        self.state = State(id=self.id, bundle=bundle, creator=os.getpid(),
                           created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        self.save()

    def load(self) -> "Container":
        try:
            data = json.loads((self.dir / STATE_FILE).read_text())
        except FileNotFoundError:
            if self.dir.is_dir():      # a create killed before its first write
                self.state = State(id=self.id, bundle="", status="stopped")
                return self
            raise ContainerError(f"container '{self.id}' does not exist")
        except (OSError, json.JSONDecodeError) as e:
            raise ContainerError(f"container '{self.id}': unreadable state: {e}")
        self.state = State(**data)
        return self

    def save(self) -> None:
        tmp = self.dir / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(self.state.to_json()))
        tmp.rename(self.dir / STATE_FILE)     # readers see the old or the new file, whole

    @contextmanager
    def locked(self):
        """Hold the container's lock (flock on its directory's lock file)."""
        try:
            fd = os.open(self.dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:
            raise ContainerError(f"container '{self.id}' does not exist")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # -- the spec's status -----------------------------------------------------
    def status(self) -> str:
        s = self.state
        if s.status == "creating" and process_start_time(s.creator) is not None:
            return "creating"
        if alive(s.pid, s.pid_start):
            return "created" if self.fifo.exists() else "running"
        return "stopped"

    def oci_state(self) -> dict:
        """The state JSON of the runtime spec (runtime.md, "State")."""
        status = self.status()
        out = {"ociVersion": OCI_VERSION, "id": self.id, "status": status,
               "pid": self.state.pid if status in ("created", "running") else 0,
               "bundle": self.state.bundle}
        if self.state.annotations:
            out["annotations"] = self.state.annotations
        return out

    def remove(self) -> None:
        for name in (STATE_FILE, STATE_FILE + ".tmp", FIFO, LOCK):
            try:
                (self.dir / name).unlink()
            except FileNotFoundError:
                pass
        try:
            self.dir.rmdir()
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise ContainerError(f"removing {self.dir}: {e.strerror}")


def all_containers(root: Path) -> list[Container]:
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        if d.is_dir():
            try:
                out.append(Container(root, d.name).load())
            except ContainerError:
                pass
    return out
