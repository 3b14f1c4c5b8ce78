/* For assembly guest code that uses every register: push and pop what the
 * AAPCS64 says a function must give back unchanged (x19-x28, x29, x30). */
#pragma once
#define CALLEE_SAVED_SIZE	96

	.macro	push_callee_saved
	stp	x29, x30, [sp, #-CALLEE_SAVED_SIZE]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	.endm

	.macro	pop_callee_saved
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #CALLEE_SAVED_SIZE
	.endm
