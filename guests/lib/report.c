/* Self-checking guests: each check prints one PASS or FAIL line, and the
 * summary counts them. The harness reads nothing but these lines. */
#include "guest.h"
#include "format.h"

static unsigned passed, failed;

static void uart_sink(void *ctx, char c)
{
	(void)ctx;
	guest_putc(c);
}

void printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(uart_sink, NULL, fmt, ap);
	va_end(ap);
}

bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "PASS: " : "FAIL: ");
	va_start(ap, fmt);
	vformat(uart_sink, NULL, fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
	return ok;
}

int summary(void)
{
	printf("SUMMARY: %u passed, %u failed\n", passed, failed);
	return (int)failed;
}
