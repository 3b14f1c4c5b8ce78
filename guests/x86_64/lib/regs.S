/* hypercall_preserves_registers(): fill every register but RAX and RSP
 * with a known value, make a hypercall (HC_VM_ID), and check that only RAX
 * changed. The hypercall instruction comes from use_vmmcall (or, on the
 * "kvm" board, is the OUT to HC_PORT). */
#include "hypercall.h"
#define PATTERN(n)	(0x7700 + (n))

	.text
	.code64
	.global	hypercall_preserves_registers
hypercall_preserves_registers:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	movzbl	use_vmmcall(%rip), %eax
	push	%rax			/* (%rsp): which instruction */
	mov	$PATTERN(1), %rcx
	mov	$PATTERN(2), %rdx
	mov	$PATTERN(3), %rbx
	mov	$PATTERN(5), %rbp
	mov	$PATTERN(6), %rsi
	mov	$PATTERN(7), %rdi
	mov	$PATTERN(8), %r8
	mov	$PATTERN(9), %r9
	mov	$PATTERN(10), %r10
	mov	$PATTERN(11), %r11
	mov	$PATTERN(12), %r12
	mov	$PATTERN(13), %r13
	mov	$PATTERN(14), %r14
	mov	$PATTERN(15), %r15
	cmpq	$0, (%rsp)
	mov	$HC_VM_ID, %eax
#ifdef BOARD_KVM
	outl	%eax, $HC_PORT
	jmp	2f
#endif
	jne	1f
	vmcall
	jmp	2f
1:	vmmcall
2:	xor	%eax, %eax		/* assume something changed */
	cmp	$PATTERN(1), %rcx
	jne	3f
	cmp	$PATTERN(2), %rdx
	jne	3f
	cmp	$PATTERN(3), %rbx
	jne	3f
	cmp	$PATTERN(5), %rbp
	jne	3f
	cmp	$PATTERN(6), %rsi
	jne	3f
	cmp	$PATTERN(7), %rdi
	jne	3f
	cmp	$PATTERN(8), %r8
	jne	3f
	cmp	$PATTERN(9), %r9
	jne	3f
	cmp	$PATTERN(10), %r10
	jne	3f
	cmp	$PATTERN(11), %r11
	jne	3f
	cmp	$PATTERN(12), %r12
	jne	3f
	cmp	$PATTERN(13), %r13
	jne	3f
	cmp	$PATTERN(14), %r14
	jne	3f
	cmp	$PATTERN(15), %r15
	jne	3f
	mov	$1, %eax		/* all preserved */
3:
	add	$8, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	.section .note.GNU-stack, "", @progbits
