/* The hypervisor's own console: a polled driver for QEMU's PL011 UART. */
#include "arch.h"
#include "config.h"

#define UARTDR		0x000
#define UARTFR		0x018
#define UARTFR_TXFF	(1u << 5)	/* transmit FIFO full */

void arch_console_putc(char c)
{
	volatile unsigned *uart = (volatile unsigned *)PLATFORM_UART_BASE;

	while (uart[UARTFR / 4] & UARTFR_TXFF)
		;
	uart[UARTDR / 4] = (unsigned char)c;
}
