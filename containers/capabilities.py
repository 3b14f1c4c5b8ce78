"""Capabilities: the five sets of process.capabilities applied the way the
kernel wants them. Bounding first (dropping needs CAP_SETPCAP), then
PR_SET_KEEPCAPS so that changing to a non-root user keeps the permitted
set, then capset(2) for effective, permitted and inheritable, then the
ambient set, which must be a subset of permitted and inheritable."""
from pathlib import Path

from . import linux
from .errors import ContainerError
from .spec import CAPABILITIES

LAST_CAP = Path("/proc/sys/kernel/cap_last_cap")


def last_cap() -> int:
    return int(LAST_CAP.read_text())


def mask(names: list[str]) -> int:
    bits = 0
    for name in names:
        bits |= 1 << CAPABILITIES.index(name)
    return bits


def drop_bounding(bounding: list[str]) -> None:
    keep = mask(bounding)
    for cap in range(last_cap() + 1):
        if not keep & (1 << cap):
            linux.prctl(linux.PR_CAPBSET_DROP, cap)


def set_sets(caps: dict[str, list[str]]) -> None:
    """capset and the ambient set, after the user change."""
    try:
        linux.capset(mask(caps["effective"]), mask(caps["permitted"]), mask(caps["inheritable"]))
    except OSError as e:
        have = linux.capget()[1]
        lacking = [n for n in caps["permitted"] if not have & (1 << CAPABILITIES.index(n))]
        why = f" (the runtime itself lacks {', '.join(lacking)})" if lacking else ""
        raise ContainerError(f"process.capabilities: capset failed: {e.strerror}{why}")
    linux.prctl(linux.PR_CAP_AMBIENT, linux.PR_CAP_AMBIENT_CLEAR_ALL)
    for name in caps["ambient"]:
        try:
            linux.prctl(linux.PR_CAP_AMBIENT, linux.PR_CAP_AMBIENT_RAISE, CAPABILITIES.index(name))
        except OSError:
            raise ContainerError(f"process.capabilities.ambient: {name} must also be in the "
                                 f"permitted and inheritable sets")
