/* The first instruction of a raw-binary kernel: QEMU's loader (and the
 * hypervisor, hv/linux_boot.c) enters the file at its first byte, at EL1
 * with the MMU off, x0 = the device tree's address and x1-x3 zero. Keep
 * those, note where we were entered, set a stack, clear .bss, and call
 * kernel_main(x0, x1, x2, x3, entry), which powers off. */
	.section .text.boot, "ax"
	.global	_start
_start:
	adr	x4, _start		/* the address we were entered at */
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
2:	bl	kernel_main
3:	wfi				/* not reached: kernel_main powers off */
	b	3b
