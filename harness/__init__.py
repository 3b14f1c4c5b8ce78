"""The lab harness: build the hypervisor for a target, boot it in an
emulator, and check what its serial console says.

One file describes a target (qemu-configs/NAME.toml, see target.py); one
file describes every scenario (guests/scenarios.toml, see scenario.py).
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"


class HarnessError(Exception):
    """An error a user can act on; printed as one line, without a traceback."""


class TargetUnavailable(HarnessError):
    """The target needs hardware this machine does not have (e.g. KVM with
    nested VT-x): its tests are skipped with this reason, even under CI."""
