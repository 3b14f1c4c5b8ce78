"""The host side of every guest console: the UARTs and the putchar/puts
hypercalls hand bytes here. A lab guest's bytes are collected into lines
printed as "[vm] ..." (as hv/vconsole.c does), so two VMs never mix
mid-line; a Linux guest's console goes through raw, prompt and all. The
VMM's own lines start with "hv: ", as the bare-metal core's do."""
import os
import sys
import threading

LINE_MAX = 256
_lock = threading.Lock()        # one writer at a time: VMs run on threads of their own


def write(data: bytes) -> None:
    with _lock:
        out = sys.stdout.buffer
        out.write(data)
        out.flush()


_at_line_start = True
line_end = "\n"                 # "\r\n" while our terminal is raw (a Linux guest's console)


def hv(text: str) -> None:
    """One of the monitor's own lines."""
    write(("" if _at_line_start else line_end).encode() + f"hv: {text}{line_end}".encode())


class LineConsole:
    """A lab guest's console: whole lines, prefixed with the VM's name."""

    def __init__(self, name: str):
        self.name, self.line = name, bytearray()

    def putc(self, byte: int) -> None:
        if byte == ord("\n"):
            self.flush()
        elif byte != ord("\r"):
            self.line.append(byte if byte >= 0x20 or byte == ord("\t") else ord("?"))
            if len(self.line) == LINE_MAX - 1:
                self.flush()

    def flush(self) -> None:
        if self.line:
            write(b"[" + self.name.encode() + b"] " + bytes(self.line) + b"\n")
            self.line.clear()


class RawConsole:
    """A Linux guest's console: bytes pass straight through to our stdout,
    and our stdin is its keyboard (see uart16550.py). Our own "hv: " lines
    start on a line of their own."""

    def putc(self, byte: int) -> None:
        global _at_line_start
        write(bytes([byte]))
        _at_line_start = byte == ord("\n")

    def flush(self) -> None:
        pass


class NullConsole:
    """A console nobody reads: bytes are counted and dropped (COM2 on the
    lab board, where the I/O lesson pours its data)."""

    def __init__(self):
        self.count = 0

    def putc(self, byte: int) -> None:
        self.count += 1

    def flush(self) -> None:
        pass


def stdin_bytes():
    """Our standard input, a byte at a time as it arrives; ends at EOF."""
    fd = sys.stdin.fileno()
    while True:
        try:
            data = os.read(fd, 256)
        except OSError:
            return
        if not data:
            return
        yield from data
