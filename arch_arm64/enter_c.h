/* The way into C of a program's first instruction (the hypervisor's, and
 * the test guests' and kernels' in guests/arm64/): a stack at __stack_top,
 * .bss cleared, then a call. Only x5 and x6 are used, so x0-x4 reach the
 * function as its arguments (a kernel's boot registers). */
#pragma once

	.macro	enter_c function
	adrp	x5, __stack_top
	add	x5, x5, :lo12:__stack_top
	mov	sp, x5
	adrp	x5, __bss_start
	add	x5, x5, :lo12:__bss_start
	adrp	x6, __bss_end
	add	x6, x6, :lo12:__bss_end
1:	cmp	x5, x6
	b.hs	2f
	str	xzr, [x5], #8
	b	1b
2:	bl	\function
	.endm
