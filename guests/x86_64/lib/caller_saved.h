/* For a guest's exception entry that calls C: push and pop what the System V
 * AMD64 ABI lets a function clobber (RAX, RCX, RDX, RSI, RDI, R8-R11), 72
 * bytes, so that the interrupted code finds them as it left them. */
#pragma once
#define CALLER_SAVED_SIZE	72

	.macro	push_caller_saved
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	.endm

	.macro	pop_caller_saved
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	.endm
