/* What every test guest can use: printf onto its (emulated) UART, the
 * hypercall ABI, a cycle counter, and kvm-unit-tests-style self-checks that
 * print "PASS: name" or "FAIL: name" and a final "SUMMARY" line. */
#pragma once
#include "types.h"
#include "hypercall.h"
#include "guest_arch.h"		/* guests/<arch>/: hypercall(), counter, UART */

void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int summary(void);		/* prints SUMMARY: N passed, M failed; returns M */
/* Spin for `ms` of counter time, calling each_turn (if any) every turn;
 * returns how often the CPU was taken away meanwhile (spin.c). */
u64 spin_counting_gaps(u64 ms, void (*each_turn)(void));
int main(void);
