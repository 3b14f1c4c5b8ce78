"""Looking inside a run that went quiet: QEMU's human monitor (a Unix
socket) reads the hypervisor's exit counters out of physical memory, at the
address the ELF's symbol table gives for `stats_layout` (hv/stats.c), and
where each CPU is (`info registers -a`). Best effort: returns text, never
raises."""
import re
import socket
import time
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from . import ROOT

PROMPT = b"(qemu) "
SOCKET_TIMEOUT = 5
# stats_layout[]: the order hv/stats.c writes it in
LAYOUT = ("vms", "vm_count", "vm_size", "vcpus_offset", "vcpu_count_offset",
          "vcpu_size", "exits_offset", "kinds")


def elf_symbol(elf: Path, name: str) -> int | None:
    """The value of symbol `name` in an ELF file (pyelftools), or None."""
    try:
        with open(elf, "rb") as f:
            symtab = ELFFile(f).get_section_by_name(".symtab")
            symbols = symtab.get_symbol_by_name(name) if symtab else None
            return symbols[0]["st_value"] if symbols else None
    except ELFError:
        return None


def exit_kind_names() -> list[str]:
    """enum exit_kind's members, lower case, as hv/exit.c names them."""
    text = (ROOT / "hv" / "exit.h").read_text()
    body = re.search(r"enum exit_kind \{(.*?)\};", text, re.S)[1]
    return [m.lower() for m in re.findall(r"^\s*EXIT_(\w+)", body, re.M) if m != "KIND_COUNT"]


class Monitor:
    def __init__(self, path: Path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(SOCKET_TIMEOUT)
        self.sock.connect(str(path))
        self._until_prompt()

    def _until_prompt(self) -> str:
        data = b""
        while not data.endswith(PROMPT):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data.decode("utf-8", "replace")

    def command(self, line: str) -> str:
        self.sock.sendall(line.encode() + b"\n")
        out = self._until_prompt()
        return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out).replace("\r", "")

    def read_u64(self, addr: int, count: int) -> list[int]:
        out = self.command(f"xp /{count}gx 0x{addr:x}")
        return [int(v, 16) for v in re.findall(r"0x([0-9a-f]{16})", out.split("\n", 1)[-1])][:count]


def exit_counts(mon: Monitor, elf: Path, vm_names: list[str]) -> str:
    layout_addr = elf_symbol(elf, "stats_layout")
    if layout_addr is None:
        return "  (no stats_layout symbol in the hypervisor)"
    lay = dict(zip(LAYOUT, mon.read_u64(layout_addr, len(LAYOUT))))
    kinds = exit_kind_names()[:lay["kinds"]]
    vm_count = mon.read_u64(lay["vm_count"], 1)[0] & 0xffffffff
    rows = ["  " + f"{'vm':<12}" + "".join(f" {k:>10}" for k in kinds)]
    for i in range(vm_count):
        vm = lay["vms"] + i * lay["vm_size"]
        vcpus = mon.read_u64(vm + lay["vcpu_count_offset"], 1)[0] & 0xffffffff
        totals = [0] * len(kinds)
        for c in range(vcpus):
            exits = vm + lay["vcpus_offset"] + c * lay["vcpu_size"] + lay["exits_offset"]
            totals = [a + b for a, b in zip(totals, mon.read_u64(exits, len(kinds)))]
        name = vm_names[i] if i < len(vm_names) else f"vm{i}"
        rows.append("  " + f"{name:<12}" + "".join(f" {n:>10}" for n in totals))
    return "\n".join(rows)


def cpu_positions(mon: Monitor) -> str:
    out = mon.command("info registers -a")
    pcs = re.findall(r"^\s*(PC=[0-9a-f]+)", out, re.M)
    return "\n".join(f"  CPU {i}: {pc.strip()}" for i, pc in enumerate(pcs)) or "  (no PC found)"


def inspect(monitor: Path | None, elf: Path | None, vm_names: list[str]) -> str:
    """What the hypervisor counted so far, and where the CPUs are."""
    if not monitor or not elf:
        return ""
    try:
        deadline = time.monotonic() + SOCKET_TIMEOUT
        while not monitor.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        mon = Monitor(monitor)
        return (f"\n  the hypervisor's exit counts so far (read through QEMU's monitor):\n"
                f"{exit_counts(mon, elf, vm_names)}\n  where the CPUs are:\n{cpu_positions(mon)}")
    except (OSError, ValueError, KeyError, IndexError) as e:
        return f"\n  (could not read the hypervisor's exit counts: {e})"
