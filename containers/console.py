"""process.terminal: the container's process gets a pseudo-terminal made in
its own /dev/pts, and the master end goes to whoever asked with
--console-socket, over that unix socket as SCM_RIGHTS ancillary data (as
runc sends it, and conmon and podman expect). Without a socket, `run` is
the receiver itself and copies between its terminal and the master."""
import fcntl
import os
import select
import socket
import termios
import tty

from .errors import ContainerError

PTMX = "/dev/pts/ptmx"
TIOCSPTLCK = 0x40045431
TIOCGPTN = 0x80045430
TIOCSCTTY = 0x540E
RELAY_CHUNK = 65536


def connect(path: str) -> socket.socket:
    """The console socket, connected by the runtime before the init forks."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError as e:
        raise ContainerError(f"--console-socket {path}: {e.strerror}")
    return s


def open_pty() -> tuple[int, str]:
    """A new pty from the container's own devpts: (master fd, slave path)."""
    ptmx = PTMX if os.path.exists(PTMX) else "/dev/ptmx"
    master = os.open(ptmx, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    fcntl.ioctl(master, TIOCSPTLCK, b"\0\0\0\0")                     # unlockpt
    number = int.from_bytes(fcntl.ioctl(master, TIOCGPTN, b"\0\0\0\0"), "little")
    return master, f"/dev/pts/{number}"


def send_master(sock: socket.socket, master: int, name: str) -> None:
    socket.send_fds(sock, [name.encode()], [master])


def receive_master(sock: socket.socket) -> int:
    _, fds, _, _ = socket.recv_fds(sock, 4096, 1)
    if not fds:
        raise ContainerError("console: the container sent no terminal")
    return fds[0]


def become_controlling(slave_path: str) -> None:
    """A new session whose controlling terminal is the pty, on fds 0-2."""
    os.setsid()
    slave = os.open(slave_path, os.O_RDWR)
    fcntl.ioctl(slave, TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    if slave > 2:
        os.close(slave)


def relay(master: int, done) -> None:
    """Copy stdin to the master and the master to stdout until the master
    closes or done() says the process has gone."""
    stdin_tty = os.isatty(0)
    saved = termios.tcgetattr(0) if stdin_tty else None
    if stdin_tty:
        tty.setraw(0)
    watch = [master, 0]
    try:
        while not done():
            ready, _, _ = select.select(watch, [], [], 0.2)
            if master in ready:
                try:
                    data = os.read(master, RELAY_CHUNK)
                except OSError:
                    data = b""
                if not data:
                    break
                os.write(1, data)
            if 0 in ready:
                data = os.read(0, RELAY_CHUNK)
                if data:
                    os.write(master, data)
                else:
                    watch = [master]
    finally:
        if saved is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, saved)
