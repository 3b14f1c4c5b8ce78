/* An emulated 16550 UART (the PC's COM1), transmit side only: a byte
 * written to the transmit holding register goes to the VM's console; the
 * line status register always says "transmitter empty". Other registers
 * read as zero and ignore writes: enough for a polling driver. */
#include "device.h"
#include "vm.h"

#define UART_THR	0	/* transmit holding register (write, DLAB=0) */
#define UART_LCR	3	/* line control register */
#define UART_LCR_DLAB	0x80	/* divisor latch access: offset 0 is then DLL */
#define UART_LSR	5	/* line status register */
#define UART_LSR_THRE	0x20	/* transmit holding register empty */
#define UART_LSR_TEMT	0x40	/* transmitter empty */
#define STATE_LCR	0	/* dev->state[] slot holding the LCR */

static u64 uart16550_read(struct vm *vm, struct device *dev, u64 offset, u8 size)
{
	(void)vm, (void)size;
	if (offset == UART_LSR)
		return UART_LSR_THRE | UART_LSR_TEMT;
	if (offset == UART_LCR)
		return dev->state[STATE_LCR];
	return 0;
}

static void uart16550_write(struct vm *vm, struct device *dev, u64 offset, u8 size, u64 value)
{
	(void)size;
	if (offset == UART_LCR)
		dev->state[STATE_LCR] = (u8)value;
	else if (offset == UART_THR && !(dev->state[STATE_LCR] & UART_LCR_DLAB))
		vconsole_putc(vm, (char)value);
}

const struct device_ops uart16550_ops = { .read = uart16550_read, .write = uart16550_write };
