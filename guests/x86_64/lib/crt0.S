/* Guest entry: the hypervisor starts us in 64-bit mode at the image's first
 * byte, with paging on (identity map), interrupts off and RSP at the top of
 * our RAM. Clear .bss, run main(), then power off through the ACPI-style
 * PM1a control register, as on a PC. */
#define PM1A_CNT_PORT	0x604
#define PM1_CNT_SLP_EN	0x2000

	.section .text.boot, "ax"
	.code64
	.global	_start
_start:
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	rep stosb
	call	guest_arch_init
	call	main
	mov	$PM1_CNT_SLP_EN, %ax
	mov	$PM1A_CNT_PORT, %dx
	outw	%ax, %dx
1:	hlt			/* not reached */
	jmp	1b

	.section .note.GNU-stack, "", @progbits
