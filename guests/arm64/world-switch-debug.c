/* world-switch-debug: the self-hosted debug registers. A guest's first
 * access traps and gives it its own debug state (arch_arm64/debug.c); then
 * breakpoint and watchpoint registers, MDSCR_EL1 and the OS lock are its own.
 * Beyond the values: each VM arms a real breakpoint on a function only it
 * calls last; the other VM calls that same function (same address in both
 * VMs) all along and must never stop there, while the owner must. */
#include "guest.h"

#define MDSCR_TDCC	BIT(12)
#define MDSCR_KDE	BIT(13)		/* debug exceptions at EL1 */
#define MDSCR_MDE	BIT(15)		/* breakpoints and watchpoints on */
#define BCR_E		BIT(0)
#define BCR_PMC_EL1_EL0	(3ULL << 1)
#define BCR_BAS_A64	(0xfULL << 5)
#define WCR_LSC_STORE	(2ULL << 3)
#define WCR_BAS_BYTE	(1ULL << 5)
#define OSLSR_OSLK	BIT(1)
#define EC_BREAKPT_CUR	0x31
#define PSTATE_D	8		/* the D bit for "msr daifclr" */

WS_ACCESSORS(mdscr_el1)
WS_ACCESSORS(dbgbvr1_el1)
WS_ACCESSORS(dbgbcr1_el1)
WS_ACCESSORS(dbgwvr0_el1)
WS_ACCESSORS(dbgwcr0_el1)
WS_ACCESSORS(dbgwvr3_el1)
WS_ACCESSORS(dbgwcr3_el1)

static u64 read_oslk(void) { return sysreg_read(oslsr_el1) & OSLSR_OSLK ? 1 : 0; }
static void write_oslk(u64 v) { sysreg_write(oslar_el1, v); }

/* Breakpoint 0 is the functional test's; these only hold values (E clear). */
static const struct ws_register debug[] = {
	WS_REGISTER(mdscr_el1, MDSCR_MDE | MDSCR_KDE, MDSCR_MDE | MDSCR_KDE | MDSCR_TDCC,
		    MDSCR_MDE | MDSCR_KDE | MDSCR_TDCC),
	WS_REGISTER(dbgbvr1_el1, 0x40001000, 0x40002000, MASK(48, 2)),
	WS_REGISTER(dbgbcr1_el1, BCR_BAS_A64 | BCR_PMC_EL1_EL0, BCR_BAS_A64 | (1ULL << 1),
		    MASK(8, 1)),
	WS_REGISTER(dbgwvr0_el1, 0x40003000, 0x40004008, MASK(48, 2)),
	WS_REGISTER(dbgwcr0_el1, WCR_LSC_STORE | WCR_BAS_BYTE, WCR_LSC_STORE | (2ULL << 5),
		    MASK(12, 1)),
	WS_REGISTER(dbgwvr3_el1, 0x40005000, 0x40006000, MASK(48, 2)),
	{ "OSLSR_EL1.OSLK", read_oslk, write_oslk, { 0, 1 }, 1 },
};

/* Two functions at the same address in both VMs; VM n arms a breakpoint on
 * target[n] and calls target[n ^ 1] while it waits. */
static __attribute__((noinline)) void target0(void) { __asm__ volatile("nop"); }
static __attribute__((noinline)) void target1(void) { __asm__ volatile("nop"); }
static void (*const targets[2])(void) = { target0, target1 };

int main(void)
{
	u64 id = (u64)hypercall(HC_VM_ID, 0, 0, 0) & 1;
	u64 freq = counter_freq(), start;

	exceptions_install();
	sysreg_write(oslar_el1, 0);		/* unlock first: debug exceptions need it */
	sysreg_write(dbgbvr0_el1, (u64)targets[id]);
	sysreg_write(dbgbcr0_el1, BCR_E | BCR_PMC_EL1_EL0 | BCR_BAS_A64);
	sysreg_write(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
	__asm__ volatile("msr daifclr, #%0" : : "i"(PSTATE_D));

	start = counter_read();			/* some slices of the other VM's */
	while (counter_read() - start < 10 * freq / 1000)
		targets[id ^ 1]();
	check(guest_exceptions.count == 0,
	      "VM %lu ran the other VM's breakpointed function and never stopped there", id);
	targets[id]();
	check(guest_exceptions.count == 1 && FIELD(guest_exceptions.esr, 31, 26) == EC_BREAKPT_CUR &&
	      guest_exceptions.elr == (u64)targets[id],
	      "VM %lu stops at its own breakpoint (exceptions %lu, ESR_EL1 0x%lx)", id,
	      guest_exceptions.count, guest_exceptions.esr);
	sysreg_write(dbgbcr0_el1, 0);
	return world_switch_check("debug", debug, ARRAY_SIZE(debug));
}
