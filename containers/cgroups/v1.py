"""cgroup v1: one hierarchy per controller, each mounted on its own
(/sys/fs/cgroup/memory, /cpu, /pids, ...), so a container has one directory
in each and joins each. File names are v1's: memory.limit_in_bytes,
cpu.cfs_quota_us, pids.max."""
from pathlib import Path

from . import CGROUP_ROOT, Cgroup, write
from ..errors import ContainerError

CONTROLLERS = ("memory", "cpu", "cpuacct", "pids")
CPUSET = "cpuset"
DEVICES = "devices"
# What a container may always use, whatever linux.resources.devices says (as
# runc allows them): the spec's default devices, /dev/console, ptmx and its ptys.
ALWAYS_ALLOWED = ["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                  "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"]


def hierarchies() -> list[tuple[str, str]]:
    """(controllers as /proc/self/cgroup names them, mount point) of each v1
    hierarchy, from mountinfo: e.g. ('cpu,cpuacct', '/sys/fs/cgroup/cpu')."""
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fstype, _, options = right.split(" ")[:3]
        if fstype == "cgroup":
            names = [o for o in options.split(",") if o not in ("rw", "ro") and
                     not o.startswith(("release_agent", "clone_children", "xattr"))]
            out.append((",".join(names), left.split(" ")[4]))
    return out


def mountpoints() -> dict[str, Path]:
    """controller -> the mount point of its hierarchy."""
    found = {}
    for controllers, mountpoint in hierarchies():
        for name in controllers.split(","):
            found.setdefault(name, Path(mountpoint))
    return found


class CgroupV1(Cgroup):
    version = 1

    def __init__(self, path, dirs=None):
        super().__init__(path, dirs)
        self.mounts = mountpoints()
        missing = [c for c in CONTROLLERS if c not in self.mounts]
        if missing:
            raise ContainerError(f"cgroup v1: controller(s) {', '.join(missing)} not mounted "
                                 f"under {CGROUP_ROOT}")

    def controllers(self) -> list[str]:
        return list(CONTROLLERS) + [c for c in (CPUSET, DEVICES) if c in self.mounts]

    def leaf(self, controller: str) -> Path:
        return self.mounts[controller] / self.path

    def leaves(self) -> list[Path]:
        return sorted({self.leaf(c) for c in self.controllers()})

    def create(self) -> None:
        """A v1 cpuset group takes no task until cpus and mems are set: copy
        them down from each parent, as runc does."""
        super().create()
        if CPUSET in self.mounts:
            base = self.mounts[CPUSET]
            parts = Path(self.path).parts
            for depth in range(1, len(parts) + 1):
                d = base.joinpath(*parts[:depth])
                for name in ("cpuset.cpus", "cpuset.mems"):
                    if not (d / name).read_text().strip():
                        write(d / name, (d.parent / name).read_text().strip())

    def apply(self, r) -> None:
        memory, cpu, pids = self.leaf("memory"), self.leaf("cpu"), self.leaf("pids")
        if r.memory_limit is not None:
            write(memory / "memory.limit_in_bytes", str(r.memory_limit))
        if r.memory_swap is not None and (memory / "memory.memsw.limit_in_bytes").exists():
            write(memory / "memory.memsw.limit_in_bytes", str(r.memory_swap))
        if r.memory_reservation is not None:
            write(memory / "memory.soft_limit_in_bytes", str(r.memory_reservation))
        if r.cpu_shares:
            write(cpu / "cpu.shares", str(r.cpu_shares))
        if r.cpu_period:
            write(cpu / "cpu.cfs_period_us", str(r.cpu_period))
        if r.cpu_quota is not None:
            write(cpu / "cpu.cfs_quota_us", str(r.cpu_quota))
        if r.pids_limit is not None and r.pids_limit != 0:
            write(pids / "pids.max", "max" if r.pids_limit < 0 else str(r.pids_limit))
        if r.devices is not None and DEVICES in self.mounts:
            self.apply_devices(r.devices, r.device_nodes)
        if CPUSET in self.mounts:
            if r.cpu_cpus:
                write(self.leaf(CPUSET) / "cpuset.cpus", r.cpu_cpus)
            if r.cpu_mems:
                write(self.leaf(CPUSET) / "cpuset.mems", r.cpu_mems)

    def apply_devices(self, rules, nodes) -> None:
        """linux.resources.devices in order, each a line for devices.allow or
        devices.deny; then the devices a container always has, and those of
        linux.devices. (v2 has no such files: there it takes an eBPF program,
        which ocirun does not load.)"""
        leaf = self.leaf(DEVICES)
        number = (lambda n: "*" if n is None or n < 0 else str(n))
        for rule in rules:
            line = "a" if rule.type == "a" else (f"{rule.type} {number(rule.major)}:"
                                                 f"{number(rule.minor)} {rule.access}")
            write(leaf / ("devices.allow" if rule.allow else "devices.deny"), line)
        extra = [f"{'c' if t == 'u' else t} {major}:{minor} rwm" for t, major, minor in nodes
                 if t != "p"]
        for line in ALWAYS_ALLOWED + extra:
            write(leaf / "devices.allow", line)

    def memory_report(self) -> dict:
        """The OOM killer's kills in the group (memory.oom_control)."""
        control = dict(line.split() for line in
                       (self.leaf("memory") / "memory.oom_control").read_text().splitlines())
        return {"oom_kill": int(control.get("oom_kill", 0))}
