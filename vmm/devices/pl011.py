"""An Arm PL011 UART (PrimeCell UART, Technical Reference Manual DDI 0183)
as an MMIO device: enough for Linux's amba-pl011 driver and for a polling
lab guest. Transmission is instant, so the transmit FIFO is always empty
(FR.TXFE, and the transmit interrupt TXRIS holds); received bytes (our
stdin) wait in a FIFO. The interrupt line is the OR of the raw interrupts
(RIS) the mask (IMSC) lets through, an SPI of the GIC. The PrimeCell ID
registers at the top of the page are how Linux's AMBA bus finds the
driver. Register names as in the TRM and Linux's amba/serial.h."""
from . import MMIO
from .uart import Uart

UART_BASE, UART_SPI = 0x0900_0000, 1      # where QEMU's virt board has its PL011
UARTDR, UARTRSR, UARTFR = 0x000, 0x004, 0x018
UARTIBRD, UARTFBRD, UARTLCR_H, UARTCR, UARTIFLS = 0x024, 0x028, 0x02c, 0x030, 0x034
UARTIMSC, UARTRIS, UARTMIS, UARTICR, UARTDMACR = 0x038, 0x03c, 0x040, 0x044, 0x048
UARTPERIPHID0, UARTPCELLID3 = 0xfe0, 0xffc
# PeriphID0-3 (part 0x011, designer Arm 0x41, revision r1p5) and PCellID0-3
PRIMECELL_ID = (0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1)
FR_RXFE, FR_TXFF, FR_RXFF, FR_TXFE = 1 << 4, 1 << 5, 1 << 6, 1 << 7
INT_RX, INT_TX, INT_RT = 1 << 4, 1 << 5, 1 << 6       # in RIS, MIS, IMSC, ICR
INT_ALL = 0x7ff
CR_LBE = 1 << 7                                       # loop back: what is sent is received
STORED = (UARTIBRD, UARTFBRD, UARTLCR_H, UARTCR, UARTIFLS, UARTDMACR)


class Pl011(Uart):
    space = MMIO
    size = 0x1000
    data_mask = 0xffff

    def __init__(self, console, base: int = UART_BASE, irq: int = UART_SPI):
        super().__init__(console, base, irq)
        self.name = f"pl011@0x{base:x}"
        self.regs = dict.fromkeys(STORED, 0)
        self.imsc = 0

    # -- the interrupt line: the raw interrupts the mask lets through ------------
    def _raw(self) -> int:
        return INT_TX | (INT_RX | INT_RT if self.rx else 0)

    def _asserted(self) -> bool:
        return bool(self._raw() & self.imsc)

    # -- registers ---------------------------------------------------------------
    def _read(self, offset: int) -> int:
        if offset == UARTDR:
            return self.rx.popleft() if self.rx else 0
        if offset == UARTFR:
            return FR_TXFE | (0 if self.rx else FR_RXFE)
        if offset == UARTIMSC:
            return self.imsc
        if offset == UARTRIS:
            return self._raw()
        if offset == UARTMIS:
            return self._raw() & self.imsc
        if UARTPERIPHID0 <= offset <= UARTPCELLID3:
            return PRIMECELL_ID[(offset - UARTPERIPHID0) // 4]
        return self.regs.get(offset, 0)

    def _write(self, offset: int, value: int) -> None:
        if offset == UARTDR:
            if self.regs[UARTCR] & CR_LBE:
                self.rx.append(value & 0xff)
            else:
                self.console.putc(value & 0xff)
        elif offset == UARTIMSC:
            self.imsc = value & INT_ALL
        elif offset in STORED:
            self.regs[offset] = value
        # UARTICR: the raw interrupts here are levels (FIFO states): clearing changes nothing
