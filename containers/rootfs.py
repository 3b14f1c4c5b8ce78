"""The container's file system, made inside its new mount namespace: the
mounts of config.json on top of the rootfs, a minimal /dev, then pivot_root
into it and away from the host's tree; after that masked and read-only
paths. Every path here is inside the rootfs: a destination is joined to
it, never followed out of it by '..'."""
import os
import stat
from pathlib import Path

from . import cgroups, linux as L
from .cgroups import v1
from .errors import ContainerError

# mount(8) option names: (flag to set, flag to clear)
FLAGS = {
    "ro": (L.MS_RDONLY, 0), "rw": (0, L.MS_RDONLY), "nosuid": (L.MS_NOSUID, 0),
    "suid": (0, L.MS_NOSUID), "nodev": (L.MS_NODEV, 0), "dev": (0, L.MS_NODEV),
    "noexec": (L.MS_NOEXEC, 0), "exec": (0, L.MS_NOEXEC), "sync": (L.MS_SYNCHRONOUS, 0),
    "async": (0, L.MS_SYNCHRONOUS), "dirsync": (L.MS_DIRSYNC, 0), "remount": (L.MS_REMOUNT, 0),
    "mand": (L.MS_MANDLOCK, 0), "nomand": (0, L.MS_MANDLOCK), "noatime": (L.MS_NOATIME, 0),
    "atime": (0, L.MS_NOATIME), "nodiratime": (L.MS_NODIRATIME, 0),
    "diratime": (0, L.MS_NODIRATIME), "relatime": (L.MS_RELATIME, 0),
    "norelatime": (0, L.MS_RELATIME), "strictatime": (L.MS_STRICTATIME, 0),
    "bind": (L.MS_BIND, 0), "rbind": (L.MS_BIND | L.MS_REC, 0),
}
PROPAGATION = {
    "private": L.MS_PRIVATE, "rprivate": L.MS_PRIVATE | L.MS_REC,
    "slave": L.MS_SLAVE, "rslave": L.MS_SLAVE | L.MS_REC,
    "shared": L.MS_SHARED, "rshared": L.MS_SHARED | L.MS_REC,
    "unbindable": L.MS_UNBINDABLE, "runbindable": L.MS_UNBINDABLE | L.MS_REC,
}
# Options engines add for themselves (podman's copy-up, SELinux relabels, idmap):
# they mean nothing to mount(2) and runc leaves them out too.
ENGINE_OPTIONS = {"tmpcopyup", "notmpcopyup", "z", "Z", "U", "copy", "nocopy", "idmap",
                  "copy-symlink"}
# statvfs f_flag bits that a bind remount must keep (the kernel refuses to clear
# locked flags): they have the same values as the MS_ flags.
KEPT_ON_REMOUNT = (L.MS_RDONLY | L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC | L.MS_NOATIME
                   | L.MS_NODIRATIME | L.MS_RELATIME)

# runtime-spec config-linux.md, "Default Devices": (path, type, major, minor)
DEFAULT_DEVICES = [("/dev/null", "c", 1, 3), ("/dev/zero", "c", 1, 5), ("/dev/full", "c", 1, 7),
                   ("/dev/random", "c", 1, 8), ("/dev/urandom", "c", 1, 9),
                   ("/dev/tty", "c", 5, 0)]
DEV_LINKS = {"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0",
             "/dev/stdout": "/proc/self/fd/1", "/dev/stderr": "/proc/self/fd/2",
             "/dev/ptmx": "pts/ptmx"}
DEVICE_MODE = 0o666
NODE_TYPES = {"c": stat.S_IFCHR, "u": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO}


def parse_options(options: list[str]) -> tuple[int, int, str]:
    """mount options to (flags, propagation flags, data string)."""
    flags, propagation, data = 0, 0, []
    for opt in options:
        if opt in FLAGS:
            set_, clear = FLAGS[opt]
            flags = (flags | set_) & ~clear
        elif opt in PROPAGATION:
            propagation |= PROPAGATION[opt]
        elif opt not in ENGINE_OPTIONS:
            data.append(opt)
    return flags, propagation, ",".join(data)


MAX_LINKS = 40                      # as the kernel's path walk allows


def inside(rootfs: str, path: str) -> str:
    """`path` of the container as a host path under `rootfs`, resolved the
    way the container would resolve it: '..' stops at its root, and a
    symbolic link in the rootfs is followed within it (an absolute target
    starts again at the rootfs), so that no mount can land outside. (A
    rootfs changed while we resolve could still race us; runc closes that
    with openat2's RESOLVE_IN_ROOT.)"""
    todo = [p for p in path.split("/")][::-1]
    resolved: list[str] = []
    links = 0
    while todo:
        part = todo.pop()
        if part in ("", "."):
            continue
        if part == "..":
            resolved = resolved[:-1]
            continue
        candidate = os.path.join(rootfs, *resolved, part)
        if os.path.islink(candidate):
            links += 1
            if links > MAX_LINKS:
                raise ContainerError(f"{path}: too many symbolic links in the rootfs")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            todo.extend(target.split("/")[::-1])
            continue
        resolved.append(part)
    return os.path.join(rootfs, *resolved)


def inside_parent(rootfs: str, path: str) -> str:
    """The same for a path whose last part is made, not followed (a device
    node, a link): only its directory is resolved."""
    return os.path.join(inside(rootfs, os.path.dirname(path)), os.path.basename(path))


def make_target(target: str, is_file: bool) -> None:
    if os.path.lexists(target):
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if is_file:
        open(target, "a").close()
    else:
        os.makedirs(target, exist_ok=True)


def mount_one(rootfs: str, m, cgroup_namespace: bool) -> None:
    target = inside(rootfs, m.destination)
    flags, propagation, data = parse_options(m.options)
    kind = m.type or ("bind" if flags & L.MS_BIND else "none")
    if flags & L.MS_BIND or kind == "bind":
        source = m.source or ""
        if not os.path.exists(source):
            raise ContainerError(f"mounts: {m.destination}: source {source} does not exist")
        make_target(target, not os.path.isdir(source))
        L.mount(source, target, None, L.MS_BIND | (flags & L.MS_REC))
        if flags & ~(L.MS_BIND | L.MS_REC):
            remount(target, flags & ~L.MS_REC)
    elif kind == "cgroup":
        mount_cgroup(target, flags, cgroup_namespace)
    else:
        make_target(target, False)
        L.mount(m.source or kind, target, kind, flags, data or None)
    if propagation:
        L.mount(None, target, None, propagation)


def remount(target: str, flags: int) -> None:
    """A bind mount takes its flags only through a second, remounting call."""
    kept = os.statvfs(target).f_flag & KEPT_ON_REMOUNT
    L.mount(None, target, None, L.MS_REMOUNT | L.MS_BIND | flags | (kept & ~L.MS_RDONLY))


def mount_cgroup(target: str, flags: int, own_namespace: bool) -> None:
    """The container's view of its cgroups. v2 is one mount. v1 is a tmpfs
    holding a directory per hierarchy: with a cgroup namespace a fresh
    mount of it (rooted at the namespace), without one a bind mount of the
    container's own group (as runc does), so memory.limit_in_bytes inside
    is the container's limit, not the host's."""
    make_target(target, False)
    if cgroups.unified():
        L.mount("cgroup2", target, "cgroup2", flags)
        return
    L.mount("tmpfs", target, "tmpfs", flags & ~L.MS_RDONLY, "mode=755")
    own = own_groups()
    for options, mountpoint in v1.hierarchies():
        sub = os.path.join(target, options.removeprefix("name="))
        os.makedirs(sub, exist_ok=True)
        if own_namespace:
            L.mount("cgroup", sub, "cgroup", flags, options)
        else:
            L.mount(mountpoint + own.get(options, "/"), sub, None, L.MS_BIND | L.MS_REC)
            remount(sub, flags & ~L.MS_REC)
    if flags & L.MS_RDONLY:
        L.mount(None, target, None, L.MS_REMOUNT | flags)


def own_groups() -> dict[str, str]:
    """/proc/self/cgroup as {'memory': '/ocirun/ID', 'name=systemd': ...}."""
    out = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        out[controllers] = path
    return out


def make_devices(rootfs: str, devices, in_user_ns: bool) -> None:
    """The default devices and linux.devices. In a user namespace mknod is
    not allowed, so the host's node is bind-mounted instead (as runc does)."""
    wanted = [(p, t, ma, mi, DEVICE_MODE, 0, 0) for p, t, ma, mi in DEFAULT_DEVICES]
    wanted += [(d.path, d.type, d.major, d.minor, d.file_mode or DEVICE_MODE, d.uid or 0,
                d.gid or 0) for d in devices]
    for path, kind, major, minor, mode, uid, gid in wanted:
        target = inside_parent(rootfs, path)
        if os.path.lexists(target):
            os.unlink(target)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if in_user_ns and kind != "p":
            open(target, "a").close()
            L.mount(path, target, None, L.MS_BIND)
            continue
        os.mknod(target, (mode & 0o7777) | NODE_TYPES[kind], os.makedev(major, minor))
        os.chmod(target, mode & 0o7777)
        os.chown(target, uid, gid)


def make_dev_links(rootfs: str) -> None:
    for link, to in DEV_LINKS.items():
        target = inside_parent(rootfs, link)
        if os.path.lexists(target):
            if link != "/dev/ptmx":
                continue
            os.unlink(target)
        os.symlink(to, target)


def prepare(spec, in_user_ns: bool) -> None:
    """Everything before pivot_root, run in the new mount namespace."""
    rootfs = spec.root_path
    propagation = PROPAGATION.get(spec.linux.rootfs_propagation or "rprivate")
    L.mount(None, "/", None, L.MS_REC | (propagation if propagation & ~L.MS_REC
                                           else L.MS_PRIVATE))
    L.mount(rootfs, rootfs, None, L.MS_BIND | L.MS_REC)     # pivot_root needs a mount point
    for m in spec.mounts:
        try:
            mount_one(rootfs, m, spec.linux.namespace("cgroup") is not None)
        except OSError as e:
            raise ContainerError(f"mounts: {m.destination}: {e.strerror}")
    if any(m.destination == "/dev" for m in spec.mounts):
        make_devices(rootfs, spec.linux.devices, in_user_ns)
        make_dev_links(rootfs)


def pivot(rootfs: str) -> None:
    """pivot_root(".", "."): the old root is stacked under the new one, made
    a slave (so nothing of what follows reaches the host) and detached."""
    os.chdir(rootfs)
    L.pivot_root(".", ".")
    L.mount(None, ".", None, L.MS_SLAVE | L.MS_REC)
    L.umount2(".", L.MNT_DETACH)
    os.chdir("/")


def mask(paths: list[str]) -> None:
    """Masked paths: a directory gets an empty read-only tmpfs over it, a
    file /dev/null; a path that does not exist needs nothing."""
    for path in paths:
        try:
            if os.path.isdir(path):
                L.mount("tmpfs", path, "tmpfs", L.MS_RDONLY)
            elif os.path.lexists(path):
                L.mount("/dev/null", path, None, L.MS_BIND)
        except OSError as e:
            raise ContainerError(f"linux.maskedPaths: {path}: {e.strerror}")


def make_readonly(paths: list[str]) -> None:
    for path in paths:
        if not os.path.lexists(path):
            continue
        try:
            L.mount(path, path, None, L.MS_BIND | L.MS_REC)
            remount(path, L.MS_RDONLY)
        except OSError as e:
            raise ContainerError(f"linux.readonlyPaths: {path}: {e.strerror}")


def finish(spec) -> None:
    """After pivot_root: read-only and masked paths, a read-only root."""
    make_readonly(spec.linux.readonly_paths)
    mask(spec.linux.masked_paths)
    if spec.root_readonly:
        remount("/", L.MS_RDONLY)
