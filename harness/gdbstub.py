"""The TCP port of QEMU's gdb stub for `./lab debug`: a free one, or the
one asked for if nobody listens there yet (else gdb would attach to
whatever does), and waiting until QEMU itself listens on it."""
import socket
import time
from pathlib import Path

from . import HarnessError

LOOPBACK = "127.0.0.1"
LISTEN_TIMEOUT = 30             # seconds QEMU may take to open its stub
TCP_LISTEN = "0A"               # the state column of /proc/net/tcp


def claim_port(port: int | None) -> int:
    """`port` if it is free on the loopback address, else a clear error;
    with no port, one the kernel picks."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((LOOPBACK, port or 0))
        except OSError:
            raise HarnessError(f"--port {port}: something already listens on {LOOPBACK}:{port}; "
                               f"pick another port, or leave --port out for a free one") from None
        return s.getsockname()[1]


def listening(port: int) -> bool:
    """Whether a socket listens on TCP `port` (read from /proc/net/tcp)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if int(local.split(":")[1], 16) == port and state == TCP_LISTEN:
            return True
    return False


def wait_listening(qemu, port: int, stderr: Path) -> None:
    deadline = time.monotonic() + LISTEN_TIMEOUT
    while not listening(port):
        if qemu.poll() is not None:
            said = stderr.read_text(errors="replace").strip()[-500:] or "nothing"
            raise HarnessError(f"QEMU exited (status {qemu.returncode}) before its gdb stub "
                               f"listened on port {port}; it said: {said}")
        if time.monotonic() > deadline:
            raise HarnessError(f"QEMU's gdb stub did not listen on port {port} within "
                               f"{LISTEN_TIMEOUT} s")
        time.sleep(0.1)
