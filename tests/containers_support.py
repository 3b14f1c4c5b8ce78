"""Fixtures and checks shared by the tests of containers/ (the runtime is
driven as a program, like an engine drives it): the busybox rootfs, a
private state root per test, and `leftovers()`, which looks on the host for
anything a container left behind."""
import json
import os
import time
import uuid
from pathlib import Path

import pytest

from harness import HarnessError
from harness import containers as hc


def need_root_and_rootfs():
    """Root, the rootfs and libseccomp's binding; else skip (fail under CI)."""
    if os.geteuid() != 0:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "containers need root (namespaces, cgroups, pivot_root)")
    if hc.root_not_a_mount():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"containers: {hc.root_not_a_mount()}")
    try:
        hc.ensure_runtime(echo=lambda m: None)
        hc.prepare_rootfs(echo=lambda m: None, if_missing=True)
    except HarnessError as e:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"containers: {e}")


@pytest.fixture(scope="session")
def rootfs():
    need_root_and_rootfs()
    return hc.ROOTFS


class Runtime:
    """ocirun with a private --root, and the bundles of one test."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.root = tmp / "state"
        self.made: list[str] = []

    def __call__(self, *args, check=False, **kwargs):
        r = hc.ocirun([str(a) for a in args], self.root, **kwargs)
        if check and r.returncode != 0:
            raise AssertionError(f"ocirun {' '.join(map(str, args))} failed "
                                 f"({r.returncode}): {r.stderr}")
        return r

    def bundle(self, args: list[str], name=None, **config) -> Path:
        name = name or f"b{len(self.made)}"
        self.made.append(name)
        return hc.make_bundle(self.tmp / name, hc.default_config(args, **config))

    def bundle_from(self, config: dict, name=None) -> Path:
        name = name or f"b{len(self.made)}"
        self.made.append(name)
        return hc.make_bundle(self.tmp / name, config)

    def cid(self) -> str:
        return "t-" + uuid.uuid4().hex[:12]

    def state(self, cid: str) -> dict:
        r = self("state", cid, check=True)
        return json.loads(r.stdout)

    def saved(self, cid: str) -> dict:
        """The runtime's own state.json (cgroup dirs, veth name)."""
        return json.loads((self.root / cid / "state.json").read_text())

    def wait_status(self, cid: str, status: str, guard: float = 30) -> dict:
        """Poll until the container reaches `status` (a hang guard only)."""
        deadline = time.monotonic() + guard
        while time.monotonic() < deadline:
            s = self.state(cid)
            if s["status"] == status:
                return s
            time.sleep(0.02)
        raise AssertionError(f"{cid} never became {status}: {s}")

    def run(self, args: list[str], **config):
        """`ocirun run` of a fresh bundle: (exit status, stdout, stderr)."""
        cid = self.cid()
        r = self("run", "--bundle", self.bundle(args, **config), cid)
        return r.returncode, r.stdout, r.stderr


@pytest.fixture
def ocirun(rootfs, tmp_path):
    rt = Runtime(tmp_path)
    yield rt
    for d in (rt.root.iterdir() if rt.root.is_dir() else []):     # a failed test's containers
        rt("delete", "--force", d.name)


def host_cgroup_dirs(cid: str) -> list[str]:
    """Every directory whose name holds the container's ID, in any cgroup
    hierarchy."""
    found = []
    for mount in Path("/sys/fs/cgroup").iterdir():
        if mount.is_dir():
            found += [str(p) for p in mount.glob(f"**/*{cid}*") if p.is_dir()]
    return found


def processes_in_cgroups_of(cid: str) -> list[str]:
    """PIDs of the host whose cgroup path names the container."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if cid in (proc / "cgroup").read_text():
                found.append(proc.name)
        except OSError:
            pass
    return found


def leftovers(rt: Runtime, cid: str, pid: int | None = None, saved: dict | None = None,
              bundle: Path | None = None) -> list[str]:
    """What remains on the host of container `cid`: its state directory,
    its init process, any process in its cgroup, its cgroup directories,
    its veth, any mount of its rootfs or bundle."""
    found = []
    if (rt.root / cid).exists():
        found.append(f"state directory {rt.root / cid}")
    if pid and Path(f"/proc/{pid}").exists():
        status = Path(f"/proc/{pid}/status").read_text()
        if "State:\tZ" not in status:
            found.append(f"process {pid}")
    found += [f"cgroup {d}" for d in host_cgroup_dirs(cid)]
    for d in (saved or {}).get("cgroup", {}).get("dirs", []):
        if Path(d).exists():
            found.append(f"cgroup {d}")
    veth = (saved or {}).get("veth")
    if veth and Path(f"/sys/class/net/{veth}").exists():
        found.append(f"veth {veth}")
    found += [f"process {pid} in the container's cgroup" for pid in processes_in_cgroups_of(cid)]
    mounts = Path("/proc/self/mountinfo").read_text()
    for place in ([bundle] if bundle else []) + [hc.ROOTFS]:
        if str(place) in mounts:
            found.append(f"a mount under {place}")
    return found


def shell_in_terminal(argv: list[str], line: str, expect: str, exit_code: int,
                      env: dict | None = None, cwd=None) -> tuple[str, int]:
    """Drive a shell in a pty (pexpect): type `line`, wait for `expect`, exit
    with `exit_code`; what came before `expect`, and the exit status."""
    import pexpect
    child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", timeout=60, env=env, cwd=cwd)
    try:
        child.expect_exact("# ")
        child.sendline(line)
        child.expect(expect)
        seen = child.before
        child.sendline(f"exit {exit_code}")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return seen, child.exitstatus

