/* The hypervisor's own console: a polled driver for QEMU's PL011 UART. When
 * VMs take typed input (an emulated UART with an interrupt line), its
 * receive interrupt (SPI 1) comes to EL2 too, and each byte goes to
 * vconsole_input(), which hands it to the VM that owns the console. */
#include "arch.h"
#include "config.h"
#include "gic.h"
#include "vm.h"

#define UARTDR		0x000
#define UARTFR		0x018
#define UARTLCR_H	0x02c
#define UARTIMSC	0x038
#define UARTICR		0x044
#define UARTFR_RXFE	(1u << 4)	/* receive FIFO empty */
#define UARTFR_TXFF	(1u << 5)	/* transmit FIFO full */
#define UART_INT_RX	(1u << 4)
#define UART_INT_RT	(1u << 6)	/* receive timeout */
#define UARTLCR_H_FEN	(1u << 4)	/* FIFOs on: QEMU then takes 16 typed bytes at a time */
#define UARTLCR_H_WLEN8	(3u << 5)	/* 8-bit words */
#define UART_INTID	33		/* QEMU virt: SPI 1 */

static volatile unsigned *const uart = (volatile unsigned *)PLATFORM_UART_BASE;

void arch_console_putc(char c)
{
	while (uart[UARTFR / 4] & UARTFR_TXFF)
		;
	uart[UARTDR / 4] = (unsigned char)c;
}

void arm64_console_input_start(void)
{
	static bool started;

	if (started)
		return;
	started = true;
	uart[UARTLCR_H / 4] = UARTLCR_H_FEN | UARTLCR_H_WLEN8;
	uart[UARTIMSC / 4] = UART_INT_RX | UART_INT_RT;
	gic_enable_spi(UART_INTID);
}

/* The receive interrupt: everything in the FIFO goes on. The interrupt is
 * cleared first: a byte that arrives after the FIFO was last seen empty
 * raises it again (cleared after, it would sit there unannounced). */
bool arm64_console_receive(u32 intid)
{
	if (intid != UART_INTID)
		return false;
	uart[UARTICR / 4] = UART_INT_RX | UART_INT_RT;
	while (!(uart[UARTFR / 4] & UARTFR_RXFE))
		vconsole_input((char)(uart[UARTDR / 4] & 0xff));
	gic_end_of_interrupt(intid);
	return true;
}
