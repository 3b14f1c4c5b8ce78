/* vformat(): printf-style formatting into any sink, shared by the
 * hypervisor and the guests (%c %s %d %u %x %p, l/ll, width, '0', '-'). */
#pragma once
#include "types.h"

typedef void (*putc_fn)(void *ctx, char c);
void vformat(putc_fn out, void *ctx, const char *fmt, va_list ap);
