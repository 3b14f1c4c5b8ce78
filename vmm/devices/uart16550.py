"""A 16550A UART at COM1 (I/O ports 0x3f8-0x3ff) with its interrupt, IRQ 4:
enough of the chip for Linux's 8250 driver and for a polling lab guest.
Transmission is instant, so the transmitter is always empty; received bytes
(our stdin) wait in a FIFO (uart.py). The interrupt line follows the chip's
rule: raised while an enabled condition holds (IER), the highest one named in IIR.
Register names as in the 16550 data sheet and Linux's serial_reg.h."""
from . import PIO
from .uart import Uart

COM1_PORT, COM1_IRQ = 0x3f8, 4
RBR = THR = DLL = 0     # receive buffer / transmit holding / divisor latch low (DLAB=1)
IER = DLM = 1           # interrupt enable / divisor latch high (DLAB=1)
IIR = FCR = 2           # interrupt identification (read) / FIFO control (write)
LCR, MCR, LSR, MSR, SCR = 3, 4, 5, 6, 7

IER_RDI = 0x01          # received data available
IER_THRI = 0x02         # transmitter holding register empty
IIR_NO_INT = 0x01
IIR_THRI = 0x02
IIR_RDI = 0x04
IIR_FIFO_ENABLED = 0xc0
FCR_ENABLE_FIFO = 0x01
LCR_DLAB = 0x80
MCR_LOOP = 0x10
LSR_DR = 0x01           # data ready
LSR_THRE = 0x20         # transmit holding register empty
LSR_TEMT = 0x40         # transmitter empty
MSR_DCD_DSR_CTS = 0xb0  # carrier, data set ready, clear to send: a cable is plugged in


class Uart16550(Uart):
    space = PIO
    size = 8

    def __init__(self, console, base: int = COM1_PORT, irq: int = COM1_IRQ):
        super().__init__(console, base, irq)
        self.name = f"16550@0x{base:x}"
        self.regs = {IER: 0, LCR: 0, MCR: 0, SCR: 0, DLL: 0, DLM: 0, FCR: 0}
        self.thri_pending = False        # "THR empty" is an interrupt until IIR is read

    # -- the interrupt line --------------------------------------------------
    def _pending(self) -> int:
        if self.regs[IER] & IER_RDI and self.rx:
            return IIR_RDI
        if self.regs[IER] & IER_THRI and self.thri_pending:
            return IIR_THRI
        return IIR_NO_INT

    def _asserted(self) -> bool:
        return self._pending() != IIR_NO_INT

    # -- registers ---------------------------------------------------------------
    def _read(self, offset: int) -> int:
        dlab = self.regs[LCR] & LCR_DLAB
        if offset == RBR:
            return self.regs[DLL] if dlab else (self.rx.popleft() if self.rx else 0)
        if offset == IER:
            return self.regs[DLM] if dlab else self.regs[IER]
        if offset == IIR:
            reason = self._pending()
            if reason == IIR_THRI:
                self.thri_pending = False         # reading IIR acknowledges it
            return reason | (IIR_FIFO_ENABLED if self.regs[FCR] & FCR_ENABLE_FIFO else 0)
        if offset == LSR:
            return LSR_THRE | LSR_TEMT | (LSR_DR if self.rx else 0)
        if offset == MSR:
            return MSR_DCD_DSR_CTS
        return self.regs.get(offset, 0)

    def _write(self, offset: int, value: int) -> None:
        dlab = self.regs[LCR] & LCR_DLAB
        if offset == THR and not dlab:
            if self.regs[MCR] & MCR_LOOP:
                self.rx.append(value)            # loopback: Linux's probe uses it
            else:
                self.console.putc(value)
            self.thri_pending = True             # sent at once: empty again
        elif offset in (DLL, DLM) and dlab:
            self.regs[offset] = value
        elif offset == IER:
            self.regs[IER] = value & 0x0f
            self.thri_pending = bool(value & IER_THRI)   # enabling it: THR is empty now
        elif offset == FCR:
            self.regs[FCR] = value
        elif offset in (LCR, MCR, SCR):
            self.regs[offset] = value
