/* An emulated Arm PL011 UART (Arm PrimeCell UART TRM, DDI 0183): every
 * guest store to the data register becomes one byte on that VM's console,
 * and a load from it takes a typed byte (vconsole.c). The transmit FIFO is
 * always empty, so a polling driver never waits; the receive FIFO is the
 * VM's input buffer. Raw interrupt status: receive and receive-timeout
 * while there is input, transmit once a byte went out (until cleared);
 * the interrupt line (if the board wired one) is raised while any of them
 * is unmasked. The ID registers say "PL011", as Linux's AMBA bus asks. */
#include "device.h"
#include "vm.h"

#define UARTDR		0x000	/* data register */
#define UARTFR		0x018	/* flag register */
#define UARTIBRD	0x024	/* integer baud rate divisor */
#define UARTFBRD	0x028	/* fractional baud rate divisor */
#define UARTLCR_H	0x02c	/* line control */
#define UARTCR		0x030	/* control */
#define UARTIFLS	0x034	/* interrupt FIFO level select */
#define UARTIMSC	0x038	/* interrupt mask set/clear */
#define UARTRIS		0x03c	/* raw interrupt status */
#define UARTMIS		0x040	/* masked interrupt status */
#define UARTICR		0x044	/* interrupt clear */
#define UARTDMACR	0x048	/* DMA control */
#define UART_ID_BASE	0xfe0	/* UARTPeriphID0-3, UARTPCellID0-3: one byte a word */
#define UARTFR_RXFE	BIT(4)	/* receive FIFO empty */
#define UARTFR_TXFE	BIT(7)	/* transmit FIFO empty */
#define UART_INT_RX	BIT(4)	/* receive */
#define UART_INT_TX	BIT(5)	/* transmit */
#define UART_INT_RT	BIT(6)	/* receive timeout */

static const u8 pl011_id[] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

/* dev->state[]: the registers the guest programs, kept as written. */
enum { IMSC, TX_RIS, CR, LCR_H, IBRD, FBRD, IFLS, DMACR };

static u64 raw_status(struct vm *vm, struct device *dev)
{
	return dev->state[TX_RIS] | (vconsole_has_input(vm) ? UART_INT_RX | UART_INT_RT : 0);
}

static void update_line(struct vm *vm, struct device *dev)
{
	if (dev->irq.set)
		dev->irq.set(vm, dev->irq.intid, raw_status(vm, dev) & dev->state[IMSC]);
}

static u64 pl011_read(struct vm *vm, struct device *dev, u64 offset, u8 size)
{
	char c;

	(void)size;
	switch (offset) {
	case UARTDR:
		c = 0;
		vconsole_getc(vm, &c);
		update_line(vm, dev);
		return (u8)c;
	case UARTFR:
		return UARTFR_TXFE | (vconsole_has_input(vm) ? 0 : UARTFR_RXFE);
	case UARTIBRD: return dev->state[IBRD];
	case UARTFBRD: return dev->state[FBRD];
	case UARTLCR_H: return dev->state[LCR_H];
	case UARTCR: return dev->state[CR];
	case UARTIFLS: return dev->state[IFLS];
	case UARTIMSC: return dev->state[IMSC];
	case UARTRIS: return raw_status(vm, dev);
	case UARTMIS: return raw_status(vm, dev) & dev->state[IMSC];
	case UARTDMACR: return dev->state[DMACR];
	default:
		if (offset >= UART_ID_BASE && offset < UART_ID_BASE + 4 * sizeof(pl011_id))
			return pl011_id[(offset - UART_ID_BASE) / 4];
		return 0;	/* other registers read as zero */
	}
}

static void pl011_write(struct vm *vm, struct device *dev, u64 offset, u8 size, u64 value)
{
	(void)size;
	switch (offset) {
	case UARTDR:
		vconsole_putc(vm, (char)value);
		dev->state[TX_RIS] = UART_INT_TX;	/* sent at once: the FIFO is empty */
		break;
	case UARTIBRD: dev->state[IBRD] = value & 0xffff; break;
	case UARTFBRD: dev->state[FBRD] = value & 0x3f; break;
	case UARTLCR_H: dev->state[LCR_H] = value & 0xff; break;
	case UARTCR: dev->state[CR] = value & 0xffff; break;
	case UARTIFLS: dev->state[IFLS] = value & 0x3f; break;
	case UARTIMSC: dev->state[IMSC] = value & 0x7ff; break;
	case UARTICR: dev->state[TX_RIS] &= ~value; break;
	case UARTDMACR: dev->state[DMACR] = value & 0x7; break;
	default: return;	/* other registers are accepted and ignored */
	}
	update_line(vm, dev);
}

const struct device_ops pl011_ops = {
	.read = pl011_read, .write = pl011_write, .input = update_line,
};
