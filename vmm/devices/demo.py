"""The mmio lesson's demo device (the same registers as hv/dev_demo.c), at a
guest-physical address with no memory slot behind it, so every access is a
KVM_EXIT_MMIO handed to us:
  0x00 ID       read-only, DEMO_DEVICE_ID
  0x08 SCRATCH  read/write: reads back what was last written
  0x10 COUNTER  read-only: how many times it has been read"""
from . import MMIO, Device

DEMO_BASE = 0x1000_0000
DEMO_DEVICE_ID = 0x0de30de3
DEMO_ID, DEMO_SCRATCH, DEMO_COUNTER = 0x00, 0x08, 0x10


class Demo(Device):
    name = "demo"
    space = MMIO
    size = 0x1000

    def __init__(self, base: int = DEMO_BASE):
        super().__init__(base)
        self.scratch, self.reads = 0, 0

    def read(self, offset: int, size: int) -> int:
        if offset == DEMO_ID:
            return DEMO_DEVICE_ID
        if offset == DEMO_SCRATCH:
            return self.scratch
        if offset == DEMO_COUNTER:
            self.reads += 1
            return self.reads
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        if offset == DEMO_SCRATCH:
            self.scratch = value & ((1 << (8 * size)) - 1)
