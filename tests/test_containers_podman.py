"""ocirun as podman's OCI runtime (through conmon): run, -it, --memory,
--pids-limit, exec, stop, rm -f, with an image imported from the busybox
rootfs tarball. podman keeps all its state under the test's directory;
afterwards no state directory of ours, cgroup or process remains."""
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from containers_support import (host_cgroup_dirs, need_root_and_rootfs, processes_in_cgroups_of,
                                shell_in_terminal)
from harness import HarnessError
from harness import containers as hc
from harness.deps import ensure_packages
from harness.lock import exclusive
from harness import BUILD

OCIRUN_STATE = Path("/run/ocirun")          # podman does not pass --root to `delete`


@pytest.fixture(scope="module")
def podman():
    need_root_and_rootfs()
    try:
        ensure_packages(hc.ENGINE_PACKAGES, echo=lambda m: None)
    except HarnessError as e:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"podman: {e}")
    with exclusive(BUILD / ".podman.lock"):     # one worker at a time: shared system paths
        # podman refuses a runroot path longer than 50 characters: a short one
        work = Path(tempfile.mkdtemp(prefix="ocipm-"))
        p = hc.Podman(work)
        try:
            p.import_rootfs()
            yield p
        finally:
            p.close()
            shutil.rmtree(work, ignore_errors=True)
        left = list(Path("/sys/fs/cgroup").glob(f"*/{p.cgroup_parent.strip('/')}"))
        assert left == [], f"podman's cgroups left behind: {left}"


def run(podman, *args, **kwargs):
    return podman("run", *podman.run_args(), *args, **kwargs)


def container_id(podman, name: str) -> str:
    return podman("inspect", "--format", "{{.Id}}", name).stdout.strip()


def nothing_left(cid: str) -> list[str]:
    found = [f"state {OCIRUN_STATE / cid}"] if (OCIRUN_STATE / cid).exists() else []
    found += [f"cgroup {d}" for d in host_cgroup_dirs(cid)]
    return found + [f"process {pid}" for pid in processes_in_cgroups_of(cid)]


def test_run_rm_uses_our_runtime(podman):
    r = run(podman, "--rm", "--name", "hello", hc.IMAGE, "sh", "-c",
            "echo hello from $(hostname) as $$")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"hello from \w+ as 1\n", r.stdout)
    r = run(podman, "-d", "--name", "which", hc.IMAGE, "sleep", "3600")
    cid = r.stdout.strip()
    assert (OCIRUN_STATE / cid / "state.json").exists()        # ocirun keeps this one
    assert podman("inspect", "--format", "{{.OCIRuntime}}", "which").stdout.strip() == \
        str(hc.OCIRUN)
    assert podman("rm", "-f", "which").returncode == 0
    assert nothing_left(cid) == []


def test_exit_status_and_crash(podman):
    assert run(podman, "--rm", hc.IMAGE, "sh", "-c", "exit 5").returncode == 5
    r = run(podman, "--rm", hc.IMAGE, "sh", "-c", "sh -c 'kill -SEGV $$'; echo inner=$?")
    assert r.stdout.strip() == "inner=139"


def test_memory_and_pids_limits(podman):
    r = run(podman, "--rm", "--memory", "32m", "--pids-limit", "20", hc.IMAGE, "cat",
            "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/pids/pids.max")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(32 << 20), "20"]
    hog = run(podman, "--rm", "--memory", "16m", "--memory-swap", "16m", hc.IMAGE,
              "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
    assert hog.returncode == 137                              # the OOM killer's SIGKILL


def test_exec_stop_and_rm_force(podman):
    r = run(podman, "-d", "--name", "box", hc.IMAGE, "sleep", "3600")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    e = podman("exec", "box", "sh", "-c", "echo $$; cat /proc/1/cmdline; echo; exit 4")
    assert e.returncode == 4
    pid, cmdline = e.stdout.splitlines()
    assert int(pid) > 1 and cmdline.startswith("sleep")
    stop = podman("stop", "-t", "1", "box")                  # sleep ignores SIGTERM as PID 1
    assert stop.returncode == 0, stop.stderr
    status = podman("inspect", "--format", "{{.State.Status}}", "box").stdout.strip()
    assert status == "exited"
    assert podman("rm", "box").returncode == 0
    assert nothing_left(cid) == []
    cid = run(podman, "-d", "--name", "busy", hc.IMAGE, "sh", "-c",
              "sleep 3601 & sleep 3602 & wait").stdout.strip()
    assert podman("rm", "-f", "busy").returncode == 0
    assert nothing_left(cid) == []


def test_interactive_terminal(podman):
    """podman run -it: conmon gets the pty master over --console-socket."""
    argv = podman.argv("run", "-it", "--rm", *podman.run_args(), hc.IMAGE, "sh")
    seen, status = shell_in_terminal(argv, "tty; echo answer=$((6*7))", "answer=42", 3,
                                     env=podman.env(), cwd=podman.work)
    assert re.search(r"/dev/pts/\d+", seen) and status == 3
