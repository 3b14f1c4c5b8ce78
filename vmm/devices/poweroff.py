"""ACPI's PM1a register blocks where QEMU's PC has them (event block at
0x600, control at 0x604): writing SLP_EN to PM1a control powers the VM off.
The lab's guests end this way on every x86 target (guests/x86_64/lib/crt0.S,
and hv/dev_poweroff.c for the bare-metal core); Linux does too, through the
FADT (arch/acpi.py) and the \\_S5 object, on `poweroff -f`. No events are
ever pending; SCI_EN reads 1: ACPI mode is always on."""
from . import PIO, Device

PM_BASE = 0x600
PM1A_EVT_BLK, PM1A_CNT_BLK = 0x600, 0x604
PM1_EVT_LEN, PM1_CNT_LEN = 4, 2
PM1_CNT_SCI_EN = 1 << 0
PM1_CNT_SLP_EN = 1 << 13


class PowerOff(Device):
    name = "acpi-pm"
    space = PIO
    size = PM1A_CNT_BLK + PM1_CNT_LEN - PM_BASE

    def __init__(self, base: int = PM_BASE):
        super().__init__(base)

    def read(self, offset: int, size: int) -> int:
        return PM1_CNT_SCI_EN if offset == PM1A_CNT_BLK - PM_BASE else 0

    def write(self, offset: int, size: int, value: int) -> None:
        if offset == PM1A_CNT_BLK - PM_BASE and value & PM1_CNT_SLP_EN:
            self.vm.stop("powered off")
