"""The harness side of containers/: the busybox rootfs the tests and demos
run (Debian's busybox-static for this machine, fetched by package name and
extracted, never committed), bundles with a config.json like `runc spec`
writes, and running the runtime as a program, `containers/ocirun`, the way
an engine would. containers/ never imports this.

Layout under build/containers/:
  debs/            the downloaded busybox-static .deb
  busybox/         the package, extracted
  rootfs/          bin/busybox, an applet link each, /etc/passwd and /etc/group
  rootfs.tar       the same, for `podman import`
"""
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from . import BUILD, ROOT, HarnessError
from .deps import ensure_packages
from .linux import _download, _extract
from .lock import exclusive

CONTAINERS_DIR = BUILD / "containers"
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
        echo(f"downloading {BUSYBOX}")
        deb = _download([BUSYBOX], CONTAINERS_DIR / "debs")[0]
        _extract(deb, CONTAINERS_DIR / "busybox")
        count = build_rootfs(CONTAINERS_DIR / "busybox" / "bin" / "busybox", ROOTFS)
        with tarfile.open(ROOTFS_TAR, "w") as tar:
            tar.add(ROOTFS, arcname=".")
        echo(f"rootfs {ROOTFS.relative_to(ROOT)} ({count} busybox applets) and "
             f"{ROOTFS_TAR.relative_to(ROOT)}")


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
        return subprocess.run(self.argv(*args), env=self.env(), capture_output=True, text=True,
                              timeout=timeout, **kwargs)

    def import_rootfs(self) -> None:
        r = self("import", "-q", str(ROOTFS_TAR), IMAGE)
        if r.returncode:
            raise HarnessError(f"podman import failed: {r.stderr.strip()}")

    def close(self) -> None:
        for hierarchy in Path("/sys/fs/cgroup").iterdir():
            parent = hierarchy / self.cgroup_parent.strip("/")
            for d in sorted(parent.glob("**/"), key=lambda p: len(str(p)), reverse=True):
                try:
                    d.rmdir()
                except OSError:
                    pass
        for path in PODMAN_SYSTEM_PATHS:
            if path not in self.existed and path.exists():
                if os.path.ismount(path):
                    subprocess.run(["umount", str(path)])
                shutil.rmtree(path, ignore_errors=True)
