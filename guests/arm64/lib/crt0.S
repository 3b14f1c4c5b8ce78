/* Guest entry: the hypervisor starts us at EL1, MMU off, at the base of our
 * RAM. Set a stack, clear .bss, run main(), then power off through PSCI,
 * as a guest on real firmware would. */
#define PSCI_SYSTEM_OFF	0x84000008

	.section .text.boot, "ax"
	.global	_start
_start:
	adrp	x0, __stack_top
	add	x0, x0, :lo12:__stack_top
	mov	sp, x0
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	bl	main
	ldr	x0, =PSCI_SYSTEM_OFF
	smc	#0
3:	wfi			/* not reached: SYSTEM_OFF does not return */
	b	3b
