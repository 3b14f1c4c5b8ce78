"""What the UART models share (uart16550.py, pl011.py): bytes typed on our
stdin wait in a receive FIFO; the vCPU thread and the stdin thread take
turns at the registers through one lock; after every access the interrupt
line follows the chip's own rule (`_asserted`), and KVM hears of it
(KVM_IRQ_LINE) only when its level changes. Each model adds its registers
(`_read`, `_write`) and its rule."""
import threading
from collections import deque

from . import Device


class Uart(Device):
    data_mask = 0xff                    # the register width a store keeps

    def __init__(self, console, base: int, irq: int):
        super().__init__(base)
        self.console, self.irq = console, irq
        self.lock = threading.Lock()
        self.rx = deque()
        self.line_level = 0

    def _asserted(self) -> bool:
        raise NotImplementedError

    def _read(self, offset: int) -> int:
        raise NotImplementedError

    def _write(self, offset: int, value: int) -> None:
        raise NotImplementedError

    def _update_irq(self) -> None:
        level = int(self._asserted())
        if level != self.line_level:
            self.line_level = level
            self.vm.irq_line(self.irq, level)

    def read(self, offset: int, size: int) -> int:
        with self.lock:
            value = self._read(offset)
            self._update_irq()
            return value

    def write(self, offset: int, size: int, value: int) -> None:
        with self.lock:
            self._write(offset, value & self.data_mask)
            self._update_irq()

    def receive(self, data: bytes) -> None:
        """Bytes typed on our stdin, for the guest to read."""
        with self.lock:
            self.rx.extend(data)
            self._update_irq()

    def stop(self) -> None:
        self.console.flush()
