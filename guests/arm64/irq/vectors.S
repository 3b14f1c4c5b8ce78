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
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
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
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	ldp	x0, x1, [sp]
	add	sp, sp, #FRAME_SIZE
	eret
