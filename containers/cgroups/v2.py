"""cgroup v2: one hierarchy, a container is one directory. Controllers must
be enabled in each parent's cgroup.subtree_control, and the files and units
differ from v1: memory.max, memory.swap.max (swap alone, where the spec's
swap is memory plus swap), cpu.max ("quota period"), cpu.weight (1..10000,
converted from v1 shares as runc does), pids.max."""
from pathlib import Path

from . import CGROUP_ROOT, Cgroup, write

CONTROLLERS = ("memory", "cpu", "pids", "cpuset")
MAX = "max"
DEFAULT_PERIOD = 100000


def cpu_weight(shares: int) -> int:
    """v1 shares (2..262144) to a v2 weight (1..10000)."""
    return 1 + ((shares - 2) * 9999) // 262142


class CgroupV2(Cgroup):
    version = 2
    mount = CGROUP_ROOT

    def leaves(self) -> list[Path]:
        return [self.mount / self.path]

    def prepare_parents(self, leaf: Path) -> None:
        """Enable our controllers from the root down to the leaf's parent."""
        available = set((self.mount / "cgroup.controllers").read_text().split())
        wanted = " ".join(f"+{c}" for c in CONTROLLERS if c in available)
        d = self.mount
        for part in Path(self.path).parts[:-1]:
            if wanted:
                write(d / "cgroup.subtree_control", wanted)
            d = d / part
            if not d.exists():
                d.mkdir()
                self.dirs.append(str(d))
        if wanted:
            write(d / "cgroup.subtree_control", wanted)

    def apply(self, r) -> None:
        leaf = self.leaves()[0]
        if r.memory_limit is not None:
            write(leaf / "memory.max", MAX if r.memory_limit < 0 else str(r.memory_limit))
        if r.memory_swap is not None:
            swap = MAX if r.memory_swap < 0 else str(max(r.memory_swap - (r.memory_limit or 0), 0))
            write(leaf / "memory.swap.max", swap)
        if r.memory_reservation is not None:
            write(leaf / "memory.low", str(max(r.memory_reservation, 0)))
        if r.cpu_shares:
            write(leaf / "cpu.weight", str(cpu_weight(r.cpu_shares)))
        if r.cpu_quota is not None or r.cpu_period:
            quota = MAX if r.cpu_quota is None or r.cpu_quota < 0 else str(r.cpu_quota)
            write(leaf / "cpu.max", f"{quota} {r.cpu_period or DEFAULT_PERIOD}")
        if r.pids_limit is not None and r.pids_limit != 0:
            write(leaf / "pids.max", MAX if r.pids_limit < 0 else str(r.pids_limit))
        if r.cpu_cpus:
            write(leaf / "cpuset.cpus", r.cpu_cpus)
        if r.cpu_mems:
            write(leaf / "cpuset.mems", r.cpu_mems)

    def memory_report(self) -> dict:
        """The OOM killer's kills in the group (memory.events)."""
        events = dict(line.split() for line in
                      (self.leaves()[0] / "memory.events").read_text().splitlines())
        return {"oom_kill": int(events.get("oom_kill", 0))}
