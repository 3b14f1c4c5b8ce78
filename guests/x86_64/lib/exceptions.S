/* The x86 guest's own IDT stubs (exceptions.c installs them): each of the
 * 32 exception vectors pushes its number (and a 0 where the CPU pushes no
 * error code), saves the registers a C function may clobber, and hands the
 * frame to guest_exception(), which may change the RIP IRETQ returns to. */
#include "caller_saved.h"
	.text
	.code64

.macro vector n
	.align 16
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	push	$\n
	.else
	push	$0
	push	$\n
	.endif
	jmp	exception_common
.endm

	.align 16
	.global	guest_exception_stubs
guest_exception_stubs:			/* 32 stubs, 16 bytes apart */
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	vector \n
	.endr

exception_common:
	push_caller_saved
	lea	CALLER_SAVED_SIZE(%rsp), %rdi		/* struct exception_frame *: vector, error, RIP, ... */
	cld
	call	guest_exception
	pop_caller_saved
	add	$16, %rsp		/* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
