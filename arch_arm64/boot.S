/* Reset to C: QEMU starts this ELF at EL2 on the boot CPU with the MMU off.
 * Check the exception level, set up a stack, clear .bss, install the EL2
 * vector table, and call arm64_init() in init.c. Secondary CPUs come in at
 * secondary_entry, with their stack given by the CPU that started them. */
#define CURRENTEL_EL2	(2 << 2)

	.cfi_sections .debug_frame	/* unwind tables for gdb, not loaded */

	.section .text.boot, "ax"
	.global _start
_start:
	.cfi_startproc
	.cfi_undefined x30		/* the outermost frame: a backtrace ends here */
	msr	daifset, #0xf		/* no interrupts at EL2: guests get them */
	mrs	x0, CurrentEL
	cmp	x0, #CURRENTEL_EL2
	b.ne	not_el2

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

2:	adrp	x0, el2_vectors
	add	x0, x0, :lo12:el2_vectors
	msr	vbar_el2, x0
	isb
	bl	arm64_init		/* does not return */
	.cfi_endproc

	/* A secondary CPU, started by PSCI CPU_ON (smp.c) at EL2 with the MMU
	 * off; x0 = the context_id given: the top of its own EL2 stack. */
	.global	secondary_entry
secondary_entry:
	.cfi_startproc
	.cfi_undefined x30		/* the outermost frame, as above */
	msr	daifset, #0xf
	mov	sp, x0
	adrp	x1, el2_vectors
	add	x1, x1, :lo12:el2_vectors
	msr	vbar_el2, x1
	isb
	bl	arm64_secondary_init	/* does not return */
	.cfi_endproc

not_el2:				/* started at EL1 or EL3: nothing we can do */
	wfi
	b	not_el2
