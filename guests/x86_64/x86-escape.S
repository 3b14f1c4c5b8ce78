/* The hostile guest's exception plumbing (x86-escape.c): one entry per
 * vector it expects, a common path that hands the frame to trap(), which
 * records the fault and resumes where the faulting test said; and the
 * trip to ring 3 and back (run_user, the INT 0x81 gate). */
#include "caller_saved.h"

#define KERNEL_DS	0x10	/* the selectors of x86-escape.c's GDT */
#define USER_CS		0x1b	/* 64-bit code, DPL 3, RPL 3 */
#define USER_DS		0x23	/* data, DPL 3, RPL 3 */

	.text
	.code64

/* Each entry leaves the same frame: vector, error code (0 if the CPU
 * pushed none), RIP, CS, RFLAGS, RSP, SS. */
.macro	entry name, vector, has_error
	.global	\name
\name:
	.if !\has_error
	push	$0
	.endif
	push	$\vector
	jmp	trap_common
.endm

	entry	ud_entry, 6, 0
	entry	gp_entry, 13, 1
	entry	pf_entry, 14, 1

trap_common:
	push_caller_saved
	lea	CALLER_SAVED_SIZE(%rsp), %rdi		/* struct trap_frame * */
	call	trap
	pop_caller_saved
	add	$16, %rsp		/* vector and error code */
	iretq

/* u64 try_call(void (*fn)(void)): call fn; a fault in it resumes here. */
	.global	try_call
try_call:
	lea	1f(%rip), %rax
	mov	%rax, resume_rip(%rip)
	mov	%rsp, resume_rsp(%rip)
	call	*%rdi
1:	ret

/* void run_user(void (*fn)(void), u64 stack_top): fn in ring 3, until it
 * executes INT 0x81 (user_return_entry), which comes back here. */
	.global	run_user
run_user:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, kernel_rsp(%rip)
	pushq	$USER_DS
	sub	$8, %rsi		/* as if called: RSP = 8 mod 16 */
	push	%rsi
	pushfq
	pushq	$USER_CS
	push	%rdi
	iretq

	.global	user_return_entry
user_return_entry:
	mov	kernel_rsp(%rip), %rsp
	mov	$KERNEL_DS, %eax
	mov	%eax, %ss
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	.data
kernel_rsp:
	.quad	0

	.section .note.GNU-stack, "", @progbits
