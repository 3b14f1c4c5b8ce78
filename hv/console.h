/* The hypervisor's console: printf onto the physical UART, and panic.
 * Guests' output does not come here directly: see vconsole.c. */
#pragma once
#include "format.h"

void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
