/* What a guest's exception handler does (vectors in exceptions.S): count
 * the exception, keep its syndrome, and resume so that the guest goes on.
 * A synchronous exception that points at its instruction (an abort, an
 * undefined instruction) resumes after it; a breakpoint, watchpoint or step
 * disarms self-hosted debug (MDSCR_EL1.MDE, KDE, SS) and resumes where it
 * was; an interrupt or SError is only counted. */
#include "guest.h"

#define KIND_SYNC	0		/* vector entry within its group of four */
#define ESR_EC(esr)	FIELD(esr, 31, 26)
#define ESR_IL		BIT(25)
#define EC_SVC64	0x15
#define EC_SVC32	0x11
#define EC_BRK64	0x3c
#define EC_DEBUG_FIRST	0x30		/* breakpoint .. watchpoint (0x30-0x35) */
#define EC_DEBUG_LAST	0x35
#define MDSCR_SS	BIT(0)
#define MDSCR_KDE	BIT(13)
#define MDSCR_MDE	BIT(15)

volatile struct guest_exception_record guest_exceptions;

void exceptions_install(void)
{
	__asm__ volatile("msr vbar_el1, %0; isb" : : "r"(guest_vectors));
}

void guest_exception(u64 kind, u64 *frame)
{
	volatile struct guest_exception_record *r = &guest_exceptions;
	u64 esr = sysreg_read(esr_el1), ec = ESR_EC(esr);

	(void)frame;
	r->count++;
	r->vector = kind;
	r->esr = esr;
	r->far = sysreg_read(far_el1);
	r->elr = sysreg_read(elr_el1);
	if (kind % 4 != KIND_SYNC)
		return;
	if (ec >= EC_DEBUG_FIRST && ec <= EC_DEBUG_LAST) {
		sysreg_write(mdscr_el1, sysreg_read(mdscr_el1) & ~(MDSCR_MDE | MDSCR_KDE | MDSCR_SS));
		return;
	}
	if (ec == EC_SVC64 || ec == EC_SVC32)
		return;		/* ELR_EL1 is already past the instruction */
	sysreg_write(elr_el1, r->elr + (esr & ESR_IL ? 4 : 2));
}
