"""The PC keyboard controller (i8042), only for what a VM monitor needs of
it: the "pulse reset line" command (0xfe to port 0x64), which is how Linux
reboots a PC without ACPI (`reboot=k`). Here a reset ends the VM. Status
reads say "no key, ready for a command", so Linux's probe finds no keyboard."""
from . import PIO, Device

I8042_DATA_PORT, I8042_COMMAND_PORT = 0x60, 0x64
I8042_CMD_RESET = 0xfe          # pulse the CPU's reset line
I8042_STATUS_EMPTY = 0x00       # output buffer empty, input buffer empty


class I8042(Device):
    name = "i8042"
    space = PIO
    size = I8042_COMMAND_PORT - I8042_DATA_PORT + 1

    def __init__(self, base: int = I8042_DATA_PORT):
        super().__init__(base)

    def read(self, offset: int, size: int) -> int:
        return I8042_STATUS_EMPTY

    def write(self, offset: int, size: int, value: int) -> None:
        if offset == I8042_COMMAND_PORT - I8042_DATA_PORT and value & 0xff == I8042_CMD_RESET:
            self.vm.stop("reset (i8042 command 0xfe)")
