/* Device accesses at the edges of the architecture, one instruction each so
 * that the hypervisor sees exactly that instruction's syndrome. */
#define SPSR_AARCH32_USR	0x10	/* M[4:0]: AArch32 User mode (EL0) */
#define SPSR_T			0x20	/* Thumb */
#define SPSR_AIF		0x1c0	/* SError, IRQ, FIQ masked */

#include "callee_saved.h"

	.text
	/* u64 load32_at(u64 addr, u64 old): one LDR W1, [X0]; returns X1
	 * (still `old` if the load did not complete). */
	.global	load32_at
load32_at:
	ldr	w1, [x0]
	mov	x0, x1
	ret

	/* void store64_at(u64 addr, u64 value): one STR X1, [X0]. */
	.global	store64_at
store64_at:
	str	x1, [x0]
	ret

	/* u64 thumb_store_byte(u64 addr, u64 byte): run thumb_code below at
	 * EL0 in AArch32 (T32) state with r0 = addr, r1 = byte; it comes back
	 * through its SVC (thumb_vectors + 0x600). Returns r2: 1 only if the
	 * instruction after the 16-bit store ran. */
	.global	thumb_store_byte
thumb_store_byte:
	push_callee_saved		/* AArch32 code may leave X15-X30 UNKNOWN */
	adr	x2, thumb_vectors
	msr	vbar_el1, x2
	adr	x2, thumb_code
	msr	elr_el1, x2
	mov	x2, #(SPSR_AARCH32_USR | SPSR_T | SPSR_AIF)
	msr	spsr_el1, x2
	mov	x2, #0
	isb
	eret
thumb_back:				/* from the SVC, at EL1 on the same SP_EL1 */
	mov	w0, w2
	pop_callee_saved
	ret

	/* T16 code, hand-encoded (this assembler only speaks A64). */
	.balign	4
thumb_code:
	.hword	0x7001			/* strb r1, [r0]    16-bit: ESR_EL2.IL = 0 */
	.hword	0x2201			/* movs r2, #1      skipped if PC += 4 */
	.hword	0xdf00			/* svc  #0          back to EL1 */
	.hword	0xe7fe			/* b    .           */

	/* Only the entry for exceptions from AArch32 EL0 matters (0x600); the
	 * others hand over to the library's vectors. */
	.balign	0x800
thumb_vectors:
	.irp	off, 0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580
	.balign	0x80
	b	guest_vectors + \off
	.endr
	.balign	0x80
	b	thumb_back
	.irp	off, 0x680, 0x700, 0x780
	.balign	0x80
	b	guest_vectors + \off
	.endr
