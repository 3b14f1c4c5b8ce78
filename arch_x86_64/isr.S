/*
 * Entry stubs for the 32 architectural exception vectors of the host.
 *
 * The hypervisor never enables interrupts; these stubs only exist so that
 * a bug of its own (#GP, #PF, #UD, ...) prints a report instead of
 * triple-faulting.
 * Each stub pushes a dummy error code when the CPU does not push one
 * (SDM Vol. 3A, 6.15 "Exception and Interrupt Reference"), then the
 * vector number, then all general-purpose registers, and calls
 * exception_handler(struct exception_frame *).
 */

/* vectors for which the CPU pushes an error code */
#define HAS_ERROR_CODE(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21 || (n) == 29 || (n) == 30)

	.text
	.code64

	.altmacro
	.macro EXCEPTION_STUB n
	.align 16
exception_stub_\n:
	.if HAS_ERROR_CODE(\n) == 0
	push $0                 /* dummy error code */
	.endif
	push $\n                /* vector */
	jmp exception_common
	.endm

	.set vector, 0
	.rept 32
	EXCEPTION_STUB %vector
	.set vector, vector + 1
	.endr

	.global exception_common
exception_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi          /* struct exception_frame * */
	and $-16, %rsp          /* ABI: 16-byte aligned stack at call */
	call exception_handler  /* does not return */
1:	cli
	hlt
	jmp 1b

/* timer_interrupt_entry: the IDT gate of the PIT's IRQ 0 (pic.c), taken
 * only by the AMD-V back end's time slice. An interrupt may come between any
 * two instructions, so save every register a C callee may clobber. The CPU
 * aligned RSP to 16 before its 5-qword frame: 5 + 9 pushes keep the call
 * 16-byte aligned. */
	.global timer_interrupt_entry
timer_interrupt_entry:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	cld
	call timer_interrupt
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	iretq

	/* table of stub addresses, used by idt_init() */
	.macro STUB_ADDRESS n
	.quad exception_stub_\n
	.endm

	.section .rodata
	.global exception_stubs
	.align 8
exception_stubs:
	.set vector, 0
	.rept 32
	STUB_ADDRESS %vector
	.set vector, vector + 1
	.endr

	.section .note.GNU-stack, "", @progbits
