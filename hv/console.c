/* The hypervisor's printf: format.c's formatter feeding the architecture's
 * UART driver. '\n' becomes "\r\n" for serial terminals. */
#include "console.h"
#include "arch.h"

static void uart_sink(void *ctx, char c)
{
	(void)ctx;
	if (c == '\n')
		arch_console_putc('\r');
	arch_console_putc(c);
}

/* Several CPUs may print: one printf at a time, so lines never mix. */
static bool console_busy;

void printf(const char *fmt, ...)
{
	va_list ap;

	while (__atomic_test_and_set(&console_busy, __ATOMIC_ACQUIRE))
		;
	va_start(ap, fmt);
	vformat(uart_sink, NULL, fmt, ap);
	va_end(ap);
	__atomic_clear(&console_busy, __ATOMIC_RELEASE);
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	printf("hv: PANIC: ");
	va_start(ap, fmt);
	vformat(uart_sink, NULL, fmt, ap);
	va_end(ap);
	printf("\n");
	arch_power_off();
}
