/* EL1 exception vectors for guests that take interrupts, included by their
 * companion assembly (guests/arm64/rt.S, rt-latency.S), so that no other
 * guest carries them. Every entry reads the counter at once (the interrupt's
 * arrival, as the guest sees it), saves the interrupted context as a frame
 * on the current stack, moves to this vCPU's own kernel stack (its top in
 * TPIDRRO_EL0, set by irq_setup) and calls irq_exception(frame, kind);
 * the frame it returns is resumed: the same one, or another thread's, for
 * a kernel that switches threads (a thread's stack may then be taken up by
 * another vCPU at once: the kernel must not be standing on it). Frame
 * layout: struct frame in guest_irq.h. */
#include "exception_frame.h"
#define FRAME_SIZE	(34 * 8)
#define FRAME_ELR	(31 * 8)
#define FRAME_STAMP	(33 * 8)
#define KIND_SYNC	0
#define KIND_IRQ	1
#define KIND_FIQ	2
#define KIND_SERROR	3

	.macro	ventry kind
	.balign	0x80
	msr	tpidr_el1, x0		/* free x0 ... */
	mrs	x0, cntvct_el0		/* ... to read the counter first */
	sub	sp, sp, #FRAME_SIZE
	str	x0, [sp, #FRAME_STAMP]
	mrs	x0, tpidr_el1
	stp	x0, x1, [sp]
	mov	x1, #\kind
	b	irq_common
	.endm

	.text
	.balign	0x800
	.global	irq_vectors
irq_vectors:
	.irp	kind, KIND_SYNC, KIND_IRQ, KIND_FIQ, KIND_SERROR	/* current EL, SP_EL0 */
	ventry	\kind
	.endr
	.irp	kind, KIND_SYNC, KIND_IRQ, KIND_FIQ, KIND_SERROR	/* current EL, SP_EL1 */
	ventry	\kind
	.endr
	.irp	kind, KIND_SYNC, KIND_IRQ, KIND_FIQ, KIND_SERROR	/* EL0: not used */
	ventry	\kind
	.endr
	.irp	kind, KIND_SYNC, KIND_IRQ, KIND_FIQ, KIND_SERROR
	ventry	\kind
	.endr

irq_common:
	store_x2_x29
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x30, x2, [sp, #FRAME_ELR - 8]
	str	x3, [sp, #FRAME_ELR + 8]
	mov	x0, sp
	mrs	x2, tpidrro_el0		/* this vCPU's kernel stack */
	mov	sp, x2
	bl	irq_exception		/* (frame, kind) -> frame to resume */
	.global	frame_resume
frame_resume:				/* frame_resume(frame): also a thread's first entry */
	mov	sp, x0
	ldp	x30, x2, [sp, #FRAME_ELR - 8]
	ldr	x3, [sp, #FRAME_ELR + 8]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	load_x2_x29
	ldp	x0, x1, [sp]
	add	sp, sp, #FRAME_SIZE
	eret
