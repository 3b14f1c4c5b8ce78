/* Self-hosted debug registers (breakpoints, watchpoints, MDSCR_EL1, the OS
 * lock), switched lazily: a vCPU's accesses trap (MDCR_EL2.TDA, TDOSA,
 * TDRA) until its first one; from then on its debug state is its own, loaded
 * and saved on each world switch, and no longer trapped. A vCPU that never
 * touched them runs with MDSCR_EL1 clear: nobody's breakpoints fire in it. */
#include "debug.h"
#include "arch.h"
#include "esr.h"
#include "exit.h"
#include "sysreg.h"
#include "vm.h"

#define DFR0_BRPS(v)	FIELD(v, 15, 12)	/* breakpoints, minus one */
#define DFR0_WRPS(v)	FIELD(v, 23, 20)	/* watchpoints, minus one */
#define OSLSR_OSLK	BIT(1)			/* the OS lock is locked */
#define DEBUG_OP0	2			/* System registers with Op0 = 2: debug */

/* DBGB{V,C}R<n>_EL1, DBGW{V,C}R<n>_EL1 are S2_0_C0_C<n>_{4,5,6,7}: MRS and
 * MSR name the register in the instruction, so one case per n. */
#define DEBUG_POINTS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) \
	X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

static void save_point(struct debug_state *d, unsigned n, bool watch)
{
#define SAVE_POINT(i) case i: \
	if (watch) { d->wvr[i] = read_sysreg(S2_0_C0_C##i##_6); d->wcr[i] = read_sysreg(S2_0_C0_C##i##_7); } \
	else { d->bvr[i] = read_sysreg(S2_0_C0_C##i##_4); d->bcr[i] = read_sysreg(S2_0_C0_C##i##_5); } \
	break;
	switch (n) {
	DEBUG_POINTS(SAVE_POINT)
	}
#undef SAVE_POINT
}

static void load_point(const struct debug_state *d, unsigned n, bool watch)
{
#define LOAD_POINT(i) case i: \
	if (watch) { write_sysreg(S2_0_C0_C##i##_6, d->wvr[i]); write_sysreg(S2_0_C0_C##i##_7, d->wcr[i]); } \
	else { write_sysreg(S2_0_C0_C##i##_4, d->bvr[i]); write_sysreg(S2_0_C0_C##i##_5, d->bcr[i]); } \
	break;
	switch (n) {
	DEBUG_POINTS(LOAD_POINT)
	}
#undef LOAD_POINT
}

void debug_save(struct debug_state *d)
{
	u64 dfr0 = read_sysreg(id_aa64dfr0_el1);

	d->osdlr_el1 = read_sysreg(osdlr_el1);
	write_sysreg(osdlr_el1, 0);	/* the OS double lock could forbid what follows */
	isb();
	d->mdscr_el1 = read_sysreg(mdscr_el1);
	d->mdccint_el1 = read_sysreg(mdccint_el1);
	d->oslk = !!(read_sysreg(oslsr_el1) & OSLSR_OSLK);
	for (unsigned n = 0; n <= DFR0_BRPS(dfr0); n++)
		save_point(d, n, false);
	for (unsigned n = 0; n <= DFR0_WRPS(dfr0); n++)
		save_point(d, n, true);
}

void debug_load(const struct debug_state *d)
{
	u64 dfr0 = read_sysreg(id_aa64dfr0_el1);

	for (unsigned n = 0; n <= DFR0_BRPS(dfr0); n++)
		load_point(d, n, false);
	for (unsigned n = 0; n <= DFR0_WRPS(dfr0); n++)
		load_point(d, n, true);
	write_sysreg(oslar_el1, d->oslk);
	write_sysreg(mdccint_el1, d->mdccint_el1);
	write_sysreg(mdscr_el1, d->mdscr_el1);
	write_sysreg(osdlr_el1, d->osdlr_el1);	/* last: the double lock */
}

/* For a vCPU that has no debug state: whatever breakpoints the last one
 * left in the registers stay disabled (MDSCR_EL1.MDE, KDE and SS clear). */
void debug_disable(void)
{
	write_sysreg(mdscr_el1, 0);
}

/* A vCPU's debug state as after a cold reset: nothing armed, OS lock on. */
void debug_reset(struct debug_state *d)
{
	memset(d, 0, sizeof(*d));
	d->oslk = 1;
}

/* A trapped access to a debug register (EC_SYS64, Op0 = 2) by a vCPU that
 * has none yet: give it its own state, stop trapping, and let it run the
 * same instruction again. True if that is what this exit was. */
bool debug_first_use(struct vcpu *vcpu, struct exit *e)
{
	struct arch_vcpu *a = &vcpu->arch;

	if (SYS64_OP0(e->addr) != DEBUG_OP0 || a->debug_in_use)
		return false;
	a->debug_in_use = true;
	debug_load(&a->debug);
	write_sysreg(mdcr_el2, (read_sysreg(mdcr_el2) & MDCR_HPMN_MASK) | MDCR_GUEST_DEBUG);
	isb();
	e->result = e->value;	/* an MRS's register keeps what it holds ... */
	e->insn_len = 0;	/* ... until the same instruction runs again, untrapped */
	return true;
}
