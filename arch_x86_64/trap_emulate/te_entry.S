/*
 * Trap and emulate, the world switch: into a deprivileged guest with IRETQ,
 * out of it through the exception it raises.
 *
 * void te_enter_guest(struct x86_regs *regs, struct te_frame *frame)
 *
 * Entering: the host's callee-saved registers and RSP are kept, an
 * interrupt frame for ring 3 (SS, RSP, RFLAGS, CS, RIP from *frame) is
 * pushed, the guest's general registers are loaded, and IRETQ drops to
 * CPL 3 (SDM Vol. 3A, 6.14.3: "IRET ... to a less privileged level").
 *
 * Leaving: any exception in ring 3 switches to the stack in TSS.RSP0 and
 * enters a stub below, which pushes its vector (and 0 where the CPU pushes
 * no error code). te_trap_common saves the guest's registers into *regs,
 * the frame into *frame, goes back to the host stack kept at entry and
 * returns from te_enter_guest(). An exception in ring 0 is the monitor's
 * own bug: it goes to exception_handler() (cpu.c), as isr.S would.
 */
#include "arch_vcpu.h"

/* Offsets in struct te_frame (te.h) */
#define FRAME_RIP	16
#define FRAME_CS	24
#define FRAME_RFLAGS	32
#define FRAME_RSP	40
#define FRAME_SS	48
#define FRAME_QWORDS	7
#define SELECTOR_RPL	3	/* bits 1:0 of a selector: the privilege level */

/* vectors for which the CPU pushes an error code (SDM Vol. 3A, 6.15) */
#define HAS_ERROR_CODE(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21 || (n) == 29 || (n) == 30)

	.text
	.code64
	.global te_enter_guest
te_enter_guest:
	push_host_callee_saved
	mov %rsp, te_host_rsp(%rip)
	mov %rdi, te_guest_regs(%rip)
	mov %rsi, te_guest_frame(%rip)
	pushq FRAME_SS(%rsi)
	pushq FRAME_RSP(%rsi)
	pushq FRAME_RFLAGS(%rsi)
	pushq FRAME_CS(%rsi)
	pushq FRAME_RIP(%rsi)
	mov %rdi, %rax
	load_guest_gprs_from_rax
	mov REG_RAX(%rax), %rax
	iretq

	.altmacro
	.macro TRAP_STUB n
	.align 16
te_trap_stub_\n:
	.if HAS_ERROR_CODE(\n) == 0
	push $0
	.endif
	push $\n
	jmp te_trap_common
	.endm

	.set vector, 0
	.rept 32
	TRAP_STUB %vector
	.set vector, vector + 1
	.endr

te_trap_common:
	testb $SELECTOR_RPL, FRAME_CS(%rsp)
	jz monitor_fault
	push %rax
	mov te_guest_regs(%rip), %rax
	save_guest_gprs_to_rax
	popq REG_RAX(%rax)
	/* the 7 qwords of the frame, from the trap stack into *frame */
	mov %rsp, %rsi
	mov te_guest_frame(%rip), %rdi
	mov $FRAME_QWORDS, %ecx
	cld
	rep movsq
	mov te_host_rsp(%rip), %rsp
	pop_host_callee_saved
	ret

/* A fault of the monitor itself: the same frame as a host exception
 * (error code and vector pushed), so isr.S reports it. */
monitor_fault:
	jmp exception_common

	.macro TRAP_STUB_ADDRESS n
	.quad te_trap_stub_\n
	.endm

	.section .rodata
	.global te_trap_stubs
	.align 8
te_trap_stubs:
	.set vector, 0
	.rept 32
	TRAP_STUB_ADDRESS %vector
	.set vector, vector + 1
	.endr

	.section .bss
	.align 8
te_host_rsp:	.skip 8		/* the host's RSP inside te_enter_guest */
te_guest_regs:	.skip 8		/* struct x86_regs * of the running guest */
te_guest_frame:	.skip 8		/* struct te_frame * of the running guest */

	.section .note.GNU-stack, "", @progbits
