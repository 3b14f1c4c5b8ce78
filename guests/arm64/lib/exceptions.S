/* A guest's own EL1 exception vectors, for the guests that provoke
 * exceptions on purpose (the security scenarios and the fuzzer): every
 * entry saves the general registers and calls guest_exception() in
 * exceptions.c, which records what happened and decides where to resume. */
#define FRAME_SIZE	256		/* x0-x30, ELR_EL1, rounded to 16 bytes */

	.macro	entry kind
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #16 * 0]
	mov	x0, #\kind
	b	exception_common
	.endm

	.text
	.balign	0x800
	.global	guest_vectors
guest_vectors:
	.irp	kind, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	entry	\kind		/* 4 sources (EL1t, EL1h, EL0 A64, EL0 A32) x 4 kinds */
	.endr

exception_common:
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
	str	x30, [sp, #16 * 15]
	mov	x1, sp			/* guest_exception(kind, frame) */
	bl	guest_exception
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
	ldr	x30, [sp, #16 * 15]
	ldp	x0, x1, [sp, #16 * 0]
	add	sp, sp, #FRAME_SIZE
	eret

	/* PSCI CPU_ON's entry for a guest's secondary vCPU: x0 = context, a
	 * struct secondary { u64 stack_top; void (*fn)(u64); u64 arg; }. */
	.global	secondary_entry
secondary_entry:
	ldr	x1, [x0]
	mov	sp, x1
	ldr	x2, [x0, #8]
	ldr	x0, [x0, #16]
	blr	x2
1:	wfi			/* fn does not return (it ends with CPU_OFF) */
	b	1b
