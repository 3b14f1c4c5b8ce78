"""The device bus: every emulated device is an address range on one of two
buses (x86 I/O ports, or guest-physical MMIO addresses) with a read and a
write callback. The run loop finds the device under an exit's address here,
as hv/vm.c's vm_find_device() does for the bare-metal core."""
from dataclasses import dataclass, field

PIO, MMIO = "pio", "mmio"


class Device:
    """One device model. `read` returns the value of a load of `size` bytes
    at `offset` into the device's range; `write` takes a store."""
    name = "device"
    space = PIO
    size = 1

    def __init__(self, base: int):
        self.base = base
        self.vm = None          # set by Bus.attach: the VM this device belongs to

    def read(self, offset: int, size: int) -> int:
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        pass

    def start(self) -> None:
        """Called once the VM exists (memory slots, irqchip): register
        ioeventfds, start threads."""

    def stop(self) -> None:
        """The VM has ended: stop threads, close files."""


class Unclaimed(Device):
    """What a PC's ISA bus answers where no device sits: reads float to all
    ones, writes go nowhere. A Linux guest probes many such ports (PCI
    configuration at 0xcf8, more UARTs, the CMOS clock); a lab guest gets no
    such bus, so a stray access there stops it with a report."""
    name = "unclaimed"
    space = PIO
    size = 0x10000

    def __init__(self):
        super().__init__(0)

    def read(self, offset: int, size: int) -> int:
        return (1 << 8 * size) - 1


@dataclass
class Bus:
    devices: list[Device] = field(default_factory=list)
    fallback: dict = field(default_factory=dict)       # space -> Device answering the rest

    def attach(self, vm, device: Device) -> Device:
        for d in self.devices:
            if d.space == device.space and d.base < device.base + device.size \
                    and device.base < d.base + d.size:
                raise ValueError(f"{device.name} at 0x{device.base:x} overlaps {d.name}")
        device.vm = vm
        self.devices.append(device)
        return device

    def find(self, space: str, addr: int) -> Device | None:
        for d in self.devices:
            if d.space == space and d.base <= addr < d.base + d.size:
                return d
        return self.fallback.get(space)
