/* The hypervisor's console: printf onto the physical UART, and panic.
 * Guests' output does not come here directly: see vconsole.c. */
#pragma once
#include "format.h"

void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A VM's console text: `prefix` first unless `who`'s line is still open,
 * then `text`; `complete` ends the line, else it stays open for `who` (a
 * prompt), and any other output first ends it. */
void console_line(const void *who, const char *prefix, const char *text, bool complete);
