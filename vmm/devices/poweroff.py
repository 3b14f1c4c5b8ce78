"""A power controller at the ACPI PM1a control register's port (0x604, where
QEMU's PC has it): writing SLP_EN powers the VM off. The lab's guests end
this way on every x86 target (guests/x86_64/lib/crt0.S), as hv/dev_poweroff.c
shows for the bare-metal core."""
from . import PIO, Device

PM1A_CNT_PORT = 0x604
PM1_CNT_SLP_EN = 1 << 13


class PowerOff(Device):
    name = "poweroff"
    space = PIO
    size = 2

    def __init__(self, base: int = PM1A_CNT_PORT):
        super().__init__(base)

    def write(self, offset: int, size: int, value: int) -> None:
        if value & PM1_CNT_SLP_EN:
            self.vm.stop("powered off")
