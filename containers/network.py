"""The network namespace: loopback brought up from inside (one ioctl, as
`ip link set lo up` does), and, when the annotation `lab.ocirun/veth` asks
for it ("HOST_ADDR/PREFIX CONTAINER_ADDR/PREFIX"), a veth pair with one end
on the host and the other as eth0 in the container, made with pyroute2
(netlink). The OCI spec leaves such wiring to engines; this is the small
version of what they do."""
import fcntl
import os
import socket
import struct

from . import linux
from .errors import ContainerError

VETH_ANNOTATION = "lab.ocirun/veth"
CONTAINER_IFNAME = "eth0"
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
IFREQ = "16sH22x"          # struct ifreq: the name, then ifr_flags


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack(IFREQ, b"lo", 0)
        flags = struct.unpack(IFREQ, fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack(IFREQ, b"lo", flags | IFF_UP))


def host_ifname(cid: str) -> str:
    """A stable host-side name within IFNAMSIZ (15 characters)."""
    import hashlib
    return "oci" + hashlib.sha1(cid.encode()).hexdigest()[:10]


def parse_veth(value: str) -> tuple[str, str]:
    parts = value.split()
    if len(parts) != 2 or not all("/" in p for p in parts):
        raise ContainerError(f"annotations.{VETH_ANNOTATION}: must be "
                             f"'HOST_ADDR/PREFIX CONTAINER_ADDR/PREFIX', not '{value}'")
    return parts[0], parts[1]


def _address(ipr, ifname: str, cidr: str) -> None:
    index = ipr.link_lookup(ifname=ifname)[0]
    addr, prefix = cidr.split("/")
    ipr.addr("add", index=index, address=addr, prefixlen=int(prefix))
    ipr.link("set", index=index, state="up")


def add_veth(cid: str, pid: int, value: str) -> str:
    """The pair, host end configured here, the peer moved into PID's net
    namespace and configured there (this process enters it for a moment)."""
    try:
        from pyroute2 import IPRoute
    except ImportError:
        raise ContainerError(f"annotations.{VETH_ANNOTATION}: needs pyroute2 in the lab's "
                             f"venv (requirements.txt; run ./lab setup)") from None
    host_cidr, container_cidr = parse_veth(value)
    host, peer = host_ifname(cid), host_ifname(cid + "/peer")
    with IPRoute() as ipr:
        ipr.link("add", ifname=host, kind="veth", peer=peer)
        try:
            _address(ipr, host, host_cidr)
            ipr.link("set", index=ipr.link_lookup(ifname=peer)[0], net_ns_pid=pid)
        except Exception as e:
            ipr.link("del", ifname=host)
            raise ContainerError(f"veth {host}: {e}")
    own = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    target = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        linux.setns(target, linux.CLONE_NEWNET)
        with IPRoute() as ipr:
            index = ipr.link_lookup(ifname=peer)[0]
            ipr.link("set", index=index, ifname=CONTAINER_IFNAME)
            _address(ipr, CONTAINER_IFNAME, container_cidr)
    finally:
        linux.setns(own, linux.CLONE_NEWNET)
        os.close(own)
        os.close(target)
    return host


def remove_veth(name: str | None) -> None:
    """The host end, if the pair outlived its namespace (it normally goes
    with it: a veth pair dies with either end)."""
    if not name or not os.path.exists(f"/sys/class/net/{name}"):
        return
    from pyroute2 import IPRoute
    with IPRoute() as ipr:
        ipr.link("del", ifname=name)
