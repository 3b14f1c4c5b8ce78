"""cgroups behind one interface: a container's group is made, joined,
limited from `linux.resources`, listed and removed the same way whether the
machine mounts cgroup v1 controllers (one hierarchy each, as on this lab's
hybrid machines) or the single v2 hierarchy. v1.py and v2.py hold only what
differs: where the files are and what they are called."""
import errno
import os
import time
from pathlib import Path

from ..errors import ContainerError

CGROUP_ROOT = Path("/sys/fs/cgroup")
DEFAULT_PREFIX = "ocirun-"          # a group of its own at the top: no shared parent to leave
REMOVE_TRIES = 200                  # rmdir of a group whose last task is still exiting
REMOVE_PAUSE = 0.01


class Cgroup:
    """One container's cgroup. `dirs` are the directories this runtime made
    (deepest last): delete removes those and the container's own groups."""
    version = 0

    def __init__(self, path: str, dirs: list[str] | None = None):
        self.path = path.strip("/")
        self.dirs = dirs or []

    # what a version provides
    def leaves(self) -> list[Path]:
        """The container's directory in each hierarchy it uses."""
        raise NotImplementedError

    def apply(self, resources) -> None:
        raise NotImplementedError

    def memory_report(self) -> dict:
        """{'oom_kill': N}: how often the OOM killer struck in the group."""
        raise NotImplementedError

    def prepare_parents(self, leaf: Path) -> None:
        """Anything a hierarchy needs in the parents before a child works."""

    # shared
    def create(self) -> None:
        for leaf in self.leaves():
            self.prepare_parents(leaf)
            missing = []
            d = leaf
            while not d.exists():
                missing.append(d)
                d = d.parent
            for d in reversed(missing):
                try:
                    d.mkdir()
                except FileExistsError:
                    continue            # another container's create made the parent
                except OSError as e:
                    raise ContainerError(f"cgroup {d}: {e.strerror}")
                self.dirs.append(str(d))

    def add(self, pid: int) -> None:
        for leaf in self.leaves():
            write(leaf / "cgroup.procs", str(pid))

    def pids(self) -> list[int]:
        out = set()
        for leaf in self.leaves():
            try:
                out |= {int(p) for p in (leaf / "cgroup.procs").read_text().split()}
            except FileNotFoundError:
                pass
        return sorted(out)

    def destroy(self) -> None:
        """Remove the directories we made, deepest first. A group empties a
        moment after its last process is killed, so EBUSY is retried for
        the container's own; a parent still holding another container's
        group stays."""
        leaves = {str(p) for p in self.leaves()}
        for d in sorted(set(self.dirs) | leaves, key=len, reverse=True):
            for _ in range(REMOVE_TRIES if d in leaves else 1):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError as e:
                    if e.errno not in (errno.EBUSY, errno.ENOTEMPTY):
                        raise ContainerError(f"removing cgroup {d}: {e.strerror}")
                    time.sleep(REMOVE_PAUSE if d in leaves else 0)
            else:
                if d in leaves:
                    raise ContainerError(f"removing cgroup {d}: still busy")

    def to_state(self) -> dict:
        return {"version": self.version, "path": self.path, "dirs": self.dirs}


def write(path: Path, value: str) -> None:
    try:
        with open(path, "w") as f:
            f.write(value)
    except OSError as e:
        raise ContainerError(f"cgroup: writing '{value}' to {path}: {e.strerror}")


def unified() -> bool:
    """True when /sys/fs/cgroup itself is the cgroup v2 hierarchy."""
    return (CGROUP_ROOT / "cgroup.controllers").exists()


def cgroup_path(cgroups_path: str | None, cid: str) -> str:
    """linux.cgroupsPath, or /ocirun-ID. A systemd-style "slice:prefix:name"
    (podman's default) is placed as slice/prefix-name.scope, as runc's
    cgroupfs driver does with a systemd name."""
    if not cgroups_path:
        return f"{DEFAULT_PREFIX}{cid}"
    if ":" in cgroups_path and not cgroups_path.startswith("/"):
        slice_, prefix, name = (cgroups_path.split(":") + ["", ""])[:3]
        return f"{slice_ or 'system.slice'}/{prefix}-{name}.scope"
    return cgroups_path


def new(cgroups_path: str | None, cid: str) -> Cgroup:
    from . import v1, v2
    return (v2.CgroupV2 if unified() else v1.CgroupV1)(cgroup_path(cgroups_path, cid))


def restore(saved: dict) -> Cgroup | None:
    """The container's cgroup from its state.json, to list, kill or remove."""
    if not saved:
        return None
    from . import v1, v2
    cls = v2.CgroupV2 if saved["version"] == 2 else v1.CgroupV1
    return cls(saved["path"], saved["dirs"])
