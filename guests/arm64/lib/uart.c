/* The guest's UART driver, written for a real PL011: it polls the flag
 * register and writes the data register. Both accesses trap to EL2 (the
 * UART's page is not in the guest's stage-2 map) and are emulated there. */
#include "guest.h"
#include "config.h"

#define UARTDR		0x000
#define UARTFR		0x018
#define UARTFR_TXFF	BIT(5)

static volatile u32 *const uart = (volatile u32 *)GUEST_UART_BASE;

u32 uart_status(void)
{
	return uart[UARTFR / 4];
}

void guest_putc(char c)
{
	while (uart_status() & UARTFR_TXFF)
		;
	uart[UARTDR / 4] = (u8)c;
}
