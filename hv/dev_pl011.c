/* An emulated Arm PL011 UART, transmit side only: every guest store to the
 * data register becomes one byte on that VM's console. The flag register
 * always reports "transmit FIFO empty", so a polling driver never waits. */
#include "device.h"
#include "vm.h"

#define UARTDR		0x000	/* data register */
#define UARTFR		0x018	/* flag register */
#define UARTFR_RXFE	BIT(4)	/* receive FIFO empty */
#define UARTFR_TXFE	BIT(7)	/* transmit FIFO empty */

static u64 pl011_read(struct vm *vm, struct device *dev, u64 offset, u8 size)
{
	(void)vm, (void)dev, (void)size;
	if (offset == UARTFR)
		return UARTFR_TXFE | UARTFR_RXFE;
	return 0;	/* other registers read as zero */
}

static void pl011_write(struct vm *vm, struct device *dev, u64 offset, u8 size, u64 value)
{
	(void)dev, (void)size;
	if (offset == UARTDR)
		vconsole_putc(vm, (char)value);
	/* control registers are accepted and ignored */
}

const struct device_ops pl011_ops = { .read = pl011_read, .write = pl011_write };
