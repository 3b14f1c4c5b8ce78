"""A debug-exit port, as QEMU's isa-debug-exit: a guest writes a byte to
port 0xf4 and the VM ends with that byte as its status, so a test guest
can say "passed" or "failed" without any console at all. The VMM's own
exit status is then that byte (see __main__.py)."""
from . import PIO, Device

DEBUG_EXIT_PORT = 0xf4


class DebugExit(Device):
    name = "debug-exit"
    space = PIO
    size = 4

    def __init__(self, base: int = DEBUG_EXIT_PORT):
        super().__init__(base)

    def write(self, offset: int, size: int, value: int) -> None:
        status = value & 0xff
        self.vm.stop(f"debug exit, status {status}", status=status)
