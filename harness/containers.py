"""The harness side of containers/: the busybox rootfs the tests and demos
run (Debian's busybox-static for this machine, fetched by package name and
extracted, never committed), bundles with a config.json like `runc spec`
writes, and running the runtime as a program, `containers/ocirun`, the way
an engine would. containers/ never imports this.

Layout:
  downloads/busybox-amd64/debs/      the downloaded busybox-static .deb
  downloads/busybox-amd64/busybox/   the package, extracted (`./lab clean` keeps both)
  build/containers/rootfs/           bin/busybox, an applet link each, /etc/passwd, /etc/group
  build/containers/rootfs.tar        the same, for `podman import`
"""
import errno
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from . import BUILD, ROOT, HarnessError
from .deps import APT_LOCK, ensure_packages
from .linux import DOWNLOADS, _download, _extract, _run
from .lock import exclusive

CONTAINERS_DIR = BUILD / "containers"
BUSYBOX_DOWNLOADS = DOWNLOADS / "busybox-amd64"
BUSYBOX_BINARY = BUSYBOX_DOWNLOADS / "busybox" / "bin" / "busybox"
ROOTFS = CONTAINERS_DIR / "rootfs"
ROOTFS_TAR = CONTAINERS_DIR / "rootfs.tar"
OCIRUN = ROOT / "containers" / "ocirun"
BUSYBOX = "busybox-static"               # the host's architecture: it runs here
RUNTIME_PACKAGES = ["python3-seccomp"]
ENGINE_PACKAGES = ["podman", "runc", "crun", "conmon"]
SECCOMP_MODULE = "seccomp.cpython-311-x86_64-linux-gnu.so"
DEBIAN_DIST_PACKAGES = Path("/usr/lib/python3/dist-packages")
ROOTFS_DIRS = ["bin", "dev", "etc", "proc", "sys", "tmp", "root", "run", "var/tmp"]
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"
DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def missing() -> str | None:
    if (ROOTFS / "bin" / "busybox").exists() and ROOTFS_TAR.exists():
        return None
    return "the containers' rootfs is not prepared: run `./lab containers-rootfs` as root"


def prepare_rootfs(echo=print, if_missing=False) -> None:
    """busybox-static for this machine, extracted, its applets linked."""
    if os.geteuid() != 0:
        raise HarnessError("containers-rootfs needs root (apt-get download): run it with sudo")
    with exclusive(CONTAINERS_DIR / ".lock"):
        if if_missing and not missing():
            return
        if not BUSYBOX_BINARY.exists():
            _apt_lists_know(BUSYBOX)
            echo(f"downloading {BUSYBOX}")
            deb = _download([BUSYBOX], BUSYBOX_DOWNLOADS / "debs")[0]
            _extract(deb, BUSYBOX_DOWNLOADS / "busybox")
        count = build_rootfs(BUSYBOX_BINARY, ROOTFS)
        with tarfile.open(ROOTFS_TAR, "w") as tar:
            tar.add(ROOTFS, arcname=".")
        echo(f"rootfs {ROOTFS.relative_to(ROOT)} ({count} busybox applets) and "
             f"{ROOTFS_TAR.relative_to(ROOT)}")


def _apt_lists_know(package: str) -> None:
    """A fresh machine may have no package lists yet: fetch them once."""
    if not _run(["apt-cache", "policy", package], "apt-cache policy").strip():
        with exclusive(APT_LOCK):
            _run(["apt-get", "update", "-qq"], "apt-get update")


def build_rootfs(busybox: Path, rootfs: Path) -> int:
    shutil.rmtree(rootfs, ignore_errors=True)
    for d in ROOTFS_DIRS:
        (rootfs / d).mkdir(parents=True, exist_ok=True)
    (rootfs / "tmp").chmod(0o1777)
    shutil.copy2(busybox, rootfs / "bin" / "busybox")
    applets = subprocess.run([str(busybox), "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for name in applets:
        if name != "busybox" and not (rootfs / "bin" / name).exists():
            (rootfs / "bin" / name).symlink_to("busybox")
    (rootfs / "etc" / "passwd").write_text(PASSWD)
    (rootfs / "etc" / "group").write_text(GROUP)
    return len(applets)


def root_not_a_mount() -> str | None:
    """Why containers cannot run here, when this process's / is no mount
    point of its mount namespace (a chroot into a plain directory, as
    ../shared/fresh-debian makes): making / private (MS_REC|MS_PRIVATE, as
    every runtime does first) then fails with EINVAL, for runc and podman too."""
    with open("/proc/self/mountinfo") as f:
        if any(line.split()[4] == "/" for line in f):
            return None
    return ("/ is not a mount point here (a chroot into a plain directory?): no runtime can "
            "make it private for a container's mount namespace (runc and podman fail alike)")


def ensure_runtime(echo=print) -> None:
    """libseccomp's Python binding from Debian, made importable in the venv
    by one symlink to its module (the venv sees no other system package)."""
    ensure_packages(RUNTIME_PACKAGES, echo)
    link_seccomp(Path(sys.prefix))


def link_seccomp(venv: Path) -> None:
    source = DEBIAN_DIST_PACKAGES / SECCOMP_MODULE
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
        "site-packages"
    if venv == Path(sys.base_prefix) or not site.is_dir() or not source.exists():
        return
    link = site / SECCOMP_MODULE
    if not link.exists():
        link.symlink_to(source)


# -- bundles -------------------------------------------------------------------------

def default_config(args: list[str], rootfs: Path = ROOTFS, terminal: bool = False,
                   readonly: bool = True, namespaces=("pid", "network", "ipc", "uts", "mount"),
                   hostname: str | None = "ocirun", **linux) -> dict:
    """A config.json like `runc spec` writes, for the busybox rootfs;
    keyword arguments go into its `linux` object."""
    caps = list(DEFAULT_CAPS)
    config = {
        "ociVersion": "1.0.2",
        "process": {"terminal": terminal, "user": {"uid": 0, "gid": 0}, "args": args,
                    "env": ["PATH=/bin", "TERM=xterm"], "cwd": "/",
                    "capabilities": {s: caps for s in ("bounding", "effective", "permitted")},
                    "noNewPrivileges": True},
        "root": {"path": str(rootfs), "readonly": readonly},
        "hostname": "ocirun",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "mode=1777"]},
        ],
        "linux": {"namespaces": [{"type": t} for t in namespaces],
                  "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list",
                                  "/sys/firmware"],
                  "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                    "/proc/sysrq-trigger"]} | linux,
    }
    if hostname is None:
        del config["hostname"]
    return config


def make_bundle(directory: Path, config: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config, indent=2))
    return directory


def ocirun(args: list[str], root: Path, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """Run the runtime as a program, as an engine does. Its output goes
    through files, not pipes: a created container keeps the runtime's stdio,
    and a pipe would stay open (and a reader waiting) as long as it lives."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        kwargs = {"stdout": out, "stderr": err} | kwargs
        r = subprocess.run([str(OCIRUN), "--root", str(root), *args], timeout=timeout, **kwargs)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(r.args, r.returncode, out.read().decode(),
                                           err.read().decode())


# -- podman with ocirun as its runtime -------------------------------------------------

CONTAINERS_CONF = """\
# podman for the lab's tests: RLIMIT_NOFILE cannot be raised here (no
# CAP_SYS_RESOURCE), so no default ulimits; cgroups made by path, not by
# systemd; events to a file, not the journal.
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
IMAGE = "localhost/lab-busybox"
PODMAN_SYSTEM_PATHS = [Path("/var/lib/containers"), Path("/run/netns"), Path("/run/libpod")]
CGROUP_REMOVE_TRIES = 100           # a hang guard: conmon is gone within moments
CGROUP_REMOVE_PAUSE = 0.1


class Podman:
    """podman with everything of its own under one directory (storage, run
    state, libpod's tmp, networks, volumes, its containers.conf), our runtime,
    no network, and a cgroup parent of its own; close() removes what it made
    outside that directory."""

    def __init__(self, work: Path, runtime: Path = OCIRUN):
        self.work, self.runtime = work, runtime
        self.cgroup_parent = f"/ocirun-podman-{os.getpid()}"
        self.conf = work / "containers.conf"
        work.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(CONTAINERS_CONF)
        (work / "tmp").mkdir(exist_ok=True)
        self.existed = {p for p in PODMAN_SYSTEM_PATHS if p.exists()}

    def env(self) -> dict:
        return dict(os.environ, CONTAINERS_CONF=str(self.conf), TMPDIR=str(self.work / "tmp"))

    def argv(self, *args) -> list[str]:
        w = self.work
        return ["podman", "--root", str(w / "storage"), "--runroot", str(w / "run"),
                "--tmpdir", str(w / "libpod"), "--storage-driver", "vfs",
                "--network-config-dir", str(w / "net"), "--volumepath", str(w / "volumes"),
                "--runtime", str(self.runtime), *args]

    def run_args(self) -> list[str]:
        """What every `podman run` here adds."""
        return ["--network", "none", "--cgroup-parent", self.cgroup_parent]

    def __call__(self, *args, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
        # cwd: conmon, started by podman, writes an `oom` file into its working
        # directory when a container is OOM-killed
        return subprocess.run(self.argv(*args), env=self.env(), capture_output=True, text=True,
                              timeout=timeout, cwd=self.work, **kwargs)

    def import_rootfs(self) -> None:
        r = self("import", "-q", str(ROOTFS_TAR), IMAGE)
        if r.returncode:
            raise HarnessError(f"podman import failed: {r.stderr.strip()}")

    def close(self) -> None:
        """Remove our cgroup parent (the last conmon may still be exiting: a
        busy group is retried a while) and what podman made outside."""
        for hierarchy in Path("/sys/fs/cgroup").iterdir():
            parent = hierarchy / self.cgroup_parent.strip("/")
            for d in sorted(parent.glob("**/"), key=lambda p: len(str(p)), reverse=True):
                for _ in range(CGROUP_REMOVE_TRIES):
                    try:
                        d.rmdir()
                        break
                    except OSError as e:
                        if e.errno != errno.EBUSY:
                            break
                        time.sleep(CGROUP_REMOVE_PAUSE)
        for path in PODMAN_SYSTEM_PATHS:
            if path not in self.existed and path.exists():
                if os.path.ismount(path):
                    subprocess.run(["umount", str(path)])
                shutil.rmtree(path, ignore_errors=True)


# -- the benchmark: ocirun side by side with runc and crun ----------------------------

BENCH_COUNT = 20
BENCH_RUNTIMES = {"ocirun": [str(OCIRUN)], "runc": ["runc"], "crun": ["crun"]}
CLONE_NEWNS = 0x00020000
MS_REC, MS_SLAVE = 0x4000, 0x80000
MNT_DETACH = 2
PR_SET_CHILD_SUBREAPER = 36
UNIFIED = b"/sys/fs/cgroup/unified"
CRUN_NOTE = ("crun refuses this machine's hybrid cgroups (a v2 mount that holds a controller, "
             "hugetlb): all three runtimes run in a private mount namespace without "
             "/sys/fs/cgroup/unified, where crun sees plain v1; the host is unchanged")


def _private_v1_view() -> None:
    """This process only: a mount namespace with the v2 mount detached."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) or libc.mount(None, b"/", None, MS_REC | MS_SLAVE, None):
        raise OSError(ctypes.get_errno(), "unshare/mount for the bench")
    if os.path.ismount(UNIFIED.decode()):
        libc.umount2(UNIFIED, MNT_DETACH)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)   # containers' inits come to us, as to conmon


def _timed(argv: list[str]) -> float:
    """Seconds one command takes. Its stderr goes to a file: a created
    container's init keeps the runtime's stdio open, a pipe would not end."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=err)
        seconds = time.perf_counter() - start
        if r.returncode:
            err.seek(0)
            raise HarnessError(f"{' '.join(argv)}: {err.read().decode().strip()}")
    return seconds


def _lifecycle(runtime: list[str], root: Path, bundle: Path, name: str) -> dict:
    """create, start, wait for the init (we are its subreaper), delete."""
    pid_file = root.parent / f"{name}.pid"
    base = runtime + ["--root", str(root)]
    begin = time.perf_counter()
    _timed(base + ["create", "--bundle", str(bundle), "--pid-file", str(pid_file), name])
    pid = int(pid_file.read_text())
    start = _timed(base + ["start", name])
    os.waitpid(pid, 0)
    _timed(base + ["delete", name])
    return {"total": time.perf_counter() - begin, "start": start}


def _measure(work: Path, count: int) -> dict:
    """In the private view: every runtime `count` times, taking turns, so
    that whatever else loads the machine loads them alike."""
    _private_v1_view()
    bundle = make_bundle(work / "bundle", default_config(["/bin/true"]))
    times = {name: {"total": [], "start": []} for name in BENCH_RUNTIMES}
    for i in range(count):
        for name, argv in BENCH_RUNTIMES.items():
            one = _lifecycle(argv, work / f"state-{name}", bundle, f"bench-{i}")
            for k, v in one.items():
                times[name][k].append(v)
    floor = {name: min(_timed(argv + ["--version"]) for _ in range(count))
             for name, argv in BENCH_RUNTIMES.items()}
    return {"times": times, "floor": floor}


def bench(count: int = BENCH_COUNT, echo=print) -> dict:
    """build/bench/containers.json: our lifecycle and start latency over
    runc's (and crun's), measured side by side in one run."""
    import json as json_
    import statistics
    from .bench import BENCH_DIR
    if os.geteuid() != 0:
        raise HarnessError("the containers bench needs root (namespaces, cgroups)")
    ensure_runtime(echo)
    ensure_packages(ENGINE_PACKAGES, echo)
    prepare_rootfs(echo, if_missing=True)
    work = Path(tempfile.mkdtemp(prefix="ocibench-"))
    try:
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            try:
                result = {"ok": _measure(work, count)}
            except BaseException as e:        # reported by the parent
                result = {"error": str(e)}
            os.write(write, json_.dumps(result).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as f:
            result = json_.loads(f.read() or '{"error": "the bench process died"}')
        os.waitpid(child, 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if "error" in result:
        raise HarnessError(f"containers bench: {result['error']}")
    times, floor = result["ok"]["times"], result["ok"]["floor"]
    total = {n: sum(t["total"]) for n, t in times.items()}
    start = {n: statistics.median(t["start"]) for n, t in times.items()}
    ms = (lambda s: round(s * 1000, 2))
    metrics = {
        "ratio_to_runc": {"value": round(total["ocirun"] / total["runc"], 2), "unit": "ratio"},
        "start_ratio_to_runc": {"value": round(start["ocirun"] / start["runc"], 2),
                                "unit": "ratio"},
        "crun_ratio_to_runc": {"value": round(total["crun"] / total["runc"], 2), "unit": "ratio"},
        "startup_floor_ratio_to_runc": {"value": round(floor["ocirun"] / floor["runc"], 2),
                                        "unit": "ratio"},
    }
    for name in BENCH_RUNTIMES:
        metrics[f"{name}_lifecycle"] = {"value": ms(total[name] / count), "unit": "ms"}
        metrics[f"{name}_start"] = {"value": ms(start[name]), "unit": "ms"}
        metrics[f"{name}_version"] = {"value": ms(floor[name]), "unit": "ms"}
    report = {"target": "containers", "metrics": metrics,
              "notes": [f"{count} containers running /bin/true per runtime, taking turns; "
                        "lifecycle = create + start + wait for the init + delete, each a new "
                        "process of the runtime, as an engine calls it",
                        "*_version: the fastest `RUNTIME --version`, the cost of starting the "
                        "program at all (Python's start-up for ocirun)", CRUN_NOTE]}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "containers.json").write_text(json_.dumps(report, indent=2) + "\n")
    return report


# -- the namespaces lesson ------------------------------------------------------------

LESSONS = ("namespaces",)


def lesson(name: str, as_json: bool = False, echo=print) -> str:
    """Run containers/lesson.py's experiments as a program (root), with the
    busybox rootfs for its containers; its text, or its facts as JSON."""
    if name not in LESSONS:
        raise HarnessError(f"unknown lesson '{name}': the one here is {', '.join(LESSONS)}")
    if os.geteuid() != 0:
        raise HarnessError("the namespaces lesson needs root (unshare, mount, cgroups): "
                           "run it with sudo")
    ensure_runtime(echo)
    prepare_rootfs(echo, if_missing=True)
    argv = [sys.executable, "-m", "containers.lesson", "--rootfs", str(ROOTFS)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        r = subprocess.run(argv + (["--json"] if as_json else []), cwd=ROOT, stdout=out,
                           stderr=err, timeout=300)
        out.seek(0)
        err.seek(0)
        text, problem = out.read().decode(), err.read().decode().strip()
    if r.returncode:
        raise HarnessError(problem or f"the lesson exited with status {r.returncode}")
    return text
