/* A tiny printf-style formatter with no I/O of its own: it hands each
 * character to a sink. The hypervisor's console and the guests share it. */
#include "format.h"

static void emit_pad(putc_fn out, void *ctx, int n, char pad)
{
	while (n-- > 0)
		out(ctx, pad);
}

static void emit_number(putc_fn out, void *ctx, u64 v, unsigned base,
			bool negative, int width, char pad, bool left)
{
	char buf[24];
	int len = 0;

	do {
		buf[len++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (negative)
		buf[len++] = '-';
	int shown = len;

	if (!left)
		emit_pad(out, ctx, width - shown, pad);
	while (len)
		out(ctx, buf[--len]);
	if (left)
		emit_pad(out, ctx, width - shown, ' ');
}

static void emit_string(putc_fn out, void *ctx, const char *s, int width, bool left)
{
	int len = (int)strlen(s);

	if (!left)
		emit_pad(out, ctx, width - len, ' ');
	while (*s)
		out(ctx, *s++);
	if (left)
		emit_pad(out, ctx, width - len, ' ');
}

void vformat(putc_fn out, void *ctx, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out(ctx, *fmt);
			continue;
		}
		bool left = false, is_long = false;
		char pad = ' ';
		int width = 0;

		fmt++;
		if (*fmt == '-') {
			left = true;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			is_long = true;
			fmt++;
		}
		switch (*fmt) {
		case 'c':
			out(ctx, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			emit_string(out, ctx, s ? s : "(null)", width, left);
			break;
		}
		case 'd': {
			s64 v = is_long ? va_arg(ap, s64) : va_arg(ap, int);
			emit_number(out, ctx, v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, pad, left);
			break;
		}
		case 'u':
			emit_number(out, ctx, is_long ? va_arg(ap, u64) : va_arg(ap, unsigned),
				    10, false, width, pad, left);
			break;
		case 'x':
			emit_number(out, ctx, is_long ? va_arg(ap, u64) : va_arg(ap, unsigned),
				    16, false, width, pad, left);
			break;
		case 'p':
			out(ctx, '0');
			out(ctx, 'x');
			emit_number(out, ctx, (u64)va_arg(ap, void *), 16, false, width, pad, false);
			break;
		case '%':
			out(ctx, '%');
			break;
		default:
			out(ctx, '?');
			break;
		}
	}
}
