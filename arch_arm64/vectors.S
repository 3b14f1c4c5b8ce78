/* The EL2 exception vector table and the world switch in and out of a guest.
 *
 * An exception from the guest (a lower EL) lands at VBAR_EL2 + 0x400 (sync)
 * or + 0x480 (IRQ). guest_exit saves the guest's x0-x30, ELR_EL2 and
 * SPSR_EL2 into the current vCPU (TPIDR_EL2 points at it) and calls
 * arm64_handle_exit() in trap.c, which returns the vCPU to run next;
 * guest_enter restores that vCPU's registers and ERETs into it. */
#include "arch_vcpu.h"
#include "exit_kinds.h"

#define REGS_ELR	REGS_ELR_OFFSET	/* checked against the struct in arch_vcpu.h */

	/* Unwind information for debuggers only (no .eh_frame in the image):
	 * guest_exit is the outermost frame of every exit, so a backtrace
	 * from a handler ends there instead of wandering into guest registers. */
	.cfi_sections .debug_frame

	/* One 128-byte vector entry: stash x0/x1, say which entry, and go. */
	.macro	entry handler, kind
	.balign	0x80
	stp	x0, x1, [sp, #-16]!
	mov	x1, #\kind
	b	\handler
	.endm

	.text
	.balign	0x800
	.global	el2_vectors
el2_vectors:
	/* exceptions taken at EL2 with SP_EL0, then SP_EL2: hypervisor bugs */
	entry	hv_fault, VEC_SYNC
	entry	hv_fault, VEC_IRQ
	entry	hv_fault, VEC_FIQ
	entry	hv_fault, VEC_SERROR
	entry	hv_fault, VEC_SYNC
	entry	hv_fault, VEC_IRQ
	entry	hv_fault, VEC_FIQ
	entry	hv_fault, VEC_SERROR
	/* from a lower EL in AArch64: the guest */
	entry	guest_exit, VEC_SYNC
	entry	guest_exit, VEC_IRQ
	entry	guest_exit, VEC_FIQ
	entry	guest_exit, VEC_SERROR
	/* from a lower EL in AArch32: not supported (HCR_EL2.RW is set) */
	entry	hv_fault, VEC_SYNC
	entry	hv_fault, VEC_IRQ
	entry	hv_fault, VEC_FIQ
	entry	hv_fault, VEC_SERROR

guest_exit:
	.cfi_startproc
	.cfi_undefined x30		/* no caller: the guest was running */
	mrs	x0, tpidr_el2		/* struct vcpu *, regs at offset 0 */
	stp	x2, x3, [x0, #16 * 1]
	stp	x4, x5, [x0, #16 * 2]
	stp	x6, x7, [x0, #16 * 3]
	stp	x8, x9, [x0, #16 * 4]
	stp	x10, x11, [x0, #16 * 5]
	stp	x12, x13, [x0, #16 * 6]
	stp	x14, x15, [x0, #16 * 7]
	stp	x16, x17, [x0, #16 * 8]
	stp	x18, x19, [x0, #16 * 9]
	stp	x20, x21, [x0, #16 * 10]
	stp	x22, x23, [x0, #16 * 11]
	stp	x24, x25, [x0, #16 * 12]
	stp	x26, x27, [x0, #16 * 13]
	stp	x28, x29, [x0, #16 * 14]
	ldp	x2, x3, [sp], #16	/* the guest's x0 and x1 */
	stp	x2, x3, [x0]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x30, x2, [x0, #REGS_ELR - 8]
	str	x3, [x0, #REGS_ELR + 8]
	bl	arm64_handle_exit	/* (vcpu, kind) -> vcpu to run */
	b	enter			/* the EL2 stack is empty again */
	.cfi_endproc

	/* guest_enter(struct vcpu *vcpu, u64 stack_top): the first entry on
	 * this CPU, from C. Nothing on the EL2 stack survives: every exit
	 * starts again from its top. */
	.global	guest_enter
guest_enter:
	mov	sp, x1
enter:					/* load the vCPU's registers and ERET */
	msr	tpidr_el2, x0
	ldp	x30, x2, [x0, #REGS_ELR - 8]
	ldr	x3, [x0, #REGS_ELR + 8]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x2, x3, [x0, #16 * 1]
	ldp	x4, x5, [x0, #16 * 2]
	ldp	x6, x7, [x0, #16 * 3]
	ldp	x8, x9, [x0, #16 * 4]
	ldp	x10, x11, [x0, #16 * 5]
	ldp	x12, x13, [x0, #16 * 6]
	ldp	x14, x15, [x0, #16 * 7]
	ldp	x16, x17, [x0, #16 * 8]
	ldp	x18, x19, [x0, #16 * 9]
	ldp	x20, x21, [x0, #16 * 10]
	ldp	x22, x23, [x0, #16 * 11]
	ldp	x24, x25, [x0, #16 * 12]
	ldp	x26, x27, [x0, #16 * 13]
	ldp	x28, x29, [x0, #16 * 14]
	ldp	x0, x1, [x0]
	eret

	/* An exception in the hypervisor itself: report it and stop. */
hv_fault:
	mov	x0, x1
	mrs	x1, esr_el2
	mrs	x2, elr_el2
	mrs	x3, far_el2
	b	arm64_hv_fault		/* does not return */
