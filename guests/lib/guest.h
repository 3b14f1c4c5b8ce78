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
/* Spin until the counter jumps by more than `gap_us`: another VM had the
 * CPU meanwhile. False if that did not happen within `limit_ms`. */
bool wait_for_preemption(u64 gap_us, u64 limit_ms);
void spin_ms(u64 ms);
#define WS_LINGER_MS	10	/* done: keep slicing with the other VM a while */

/* A register of one class for world_switch_check() (world_switch.c): the
 * values VM 0 and VM 1 write, and the bits that read back as written. */
struct ws_register {
	const char *name;
	u64 (*read)(void);
	void (*write)(u64 value);
	u64 value[2];
	u64 mask;
};
#define WS_REGISTER(reg, vm0, vm1, bits) { #reg, read_##reg, write_##reg, { vm0, vm1 }, bits }
/* Write each register's value for this VM, be preempted a few times, check
 * they stay (3 PASS/FAIL lines); _check() then prints the SUMMARY. */
void world_switch_hold(const char *class, const struct ws_register *regs, unsigned count);
int world_switch_check(const char *class, const struct ws_register *regs, unsigned count);
/* The fuzzing guests' common ground (fuzzing.c): the PRNG and digest, a
 * hypercall with arguments from arg(), the loop over the operation kinds
 * (counting each in ops[]), the digest line and final check, and the
 * victim, which yields to the fuzzer until it is gone and checks regs
 * (value[1] is its own), also_changed() and a block of memory each time. */
u64 fuzz_rng(void);
void fuzz_fold(u64 v);
void fuzz_hypercall(u64 (*arg)(void));
void fuzz_loop(u64 seed, u64 n, void (*const kinds[])(void), unsigned count, u64 *ops);
void fuzz_report(u64 seed, u64 n, u64 exceptions);
int fuzz_victim(const char *what, const struct ws_register *regs, unsigned count,
		unsigned (*also_changed)(void), u64 gap_us);
int main(void);
