/* The hypervisor's printf: format.c's formatter feeding the architecture's
 * UART driver. '\n' becomes "\r\n" for serial terminals. The console also
 * carries the VMs' lines (vconsole.c); a VM waiting at a prompt leaves its
 * line open, and whoever prints next closes it first. */
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
static const void *open_line;	/* whose unfinished line the console shows, if any */

static void lock(const void *who)
{
	while (__atomic_test_and_set(&console_busy, __ATOMIC_ACQUIRE))
		;
	if (open_line && open_line != who) {
		uart_sink(NULL, '\n');
		open_line = NULL;
	}
}

static void unlock(void)
{
	__atomic_clear(&console_busy, __ATOMIC_RELEASE);
}

void printf(const char *fmt, ...)
{
	va_list ap;

	lock(NULL);
	va_start(ap, fmt);
	vformat(uart_sink, NULL, fmt, ap);
	va_end(ap);
	unlock();
}

static void put_string(const char *s)
{
	while (*s)
		uart_sink(NULL, *s++);
}

void console_line(const void *who, const char *prefix, const char *text, bool complete)
{
	lock(who);
	if (open_line != who)
		put_string(prefix);
	put_string(text);
	if (complete)
		uart_sink(NULL, '\n');
	open_line = complete ? NULL : who;
	unlock();
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
