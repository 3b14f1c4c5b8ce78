"""A marker port, like Firecracker's boot-time device: a guest writes a byte
to port 0x500 and the VMM prints how many exits of each kind this VM has
taken so far. The guest marks the start and end of what it measures; the
difference between two markers is what that stretch of code cost in exits
to user space (the I/O lesson, docs/io-lesson.md)."""
from .. import vconsole
from . import PIO, Device

MARKER_PORT = 0x500


class Marker(Device):
    name = "marker"
    space = PIO
    size = 1

    def __init__(self, base: int = MARKER_PORT):
        super().__init__(base)

    def write(self, offset: int, size: int, value: int) -> None:
        counts = self.vm.exit_counts()
        shown = " ".join(f"{kind} {counts[kind]}" for kind in ("pio", "mmio", "hypercall"))
        vconsole.hv(f"vm '{self.vm.name}' marker {value & 0xff}: {shown} "
                    f"total {sum(counts.values())}")
