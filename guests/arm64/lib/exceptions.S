/* A guest's own EL1 exception vectors, for the guests that provoke
 * exceptions on purpose (the security scenarios and the fuzzer): every
 * entry saves the general registers and calls guest_exception() in
 * exceptions.c, which records what happened and decides where to resume. */
#include "exception_frame.h"
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
	store_x2_x29
	str	x30, [sp, #16 * 15]
	mov	x1, sp			/* guest_exception(kind, frame) */
	bl	guest_exception
	load_x2_x29
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
