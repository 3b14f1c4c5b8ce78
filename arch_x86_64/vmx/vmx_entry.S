/*
 * The world switch between host C code and a VT-x guest.
 *
 * int vmx_enter_guest(struct x86_regs *regs, int launched)
 *
 *   1. save the host's callee-saved registers and `regs` on the stack
 *   2. VMWRITE the current RSP into the VMCS "host RSP" field, so the
 *      next VM exit lands on exactly this stack frame; "host RIP" was set
 *      once to vmx_exit_entry
 *   3. load the guest GPRs and execute VMLAUNCH or VMRESUME
 *
 * If VMLAUNCH/VMRESUME fails, execution simply continues after it with
 * CF (VMfailInvalid) or ZF (VMfailValid) set. If it succeeds, the guest
 * runs until a VM exit, which starts executing vmx_exit_entry with
 * RSP = host RSP and all GPRs still holding guest values.
 */
#include "arch_vcpu.h"
#include "vmcs.h"

#define VMX_SUCCEED       0
#define VMX_FAIL_INVALID  1
#define VMX_FAIL_VALID    2

	.text
	.code64
	.global vmx_enter_guest
vmx_enter_guest:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rsi               /* [rsp+8]: launched flag */
	push %rdi               /* [rsp+0]: struct guest_regs * */

	mov $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax

	mov %rdi, %rax          /* rax = regs; loaded last */
	mov REG_RBX(%rax), %rbx
	mov REG_RCX(%rax), %rcx
	mov REG_RDX(%rax), %rdx
	mov REG_RSI(%rax), %rsi
	mov REG_RDI(%rax), %rdi
	mov REG_RBP(%rax), %rbp
	mov REG_R8(%rax),  %r8
	mov REG_R9(%rax),  %r9
	mov REG_R10(%rax), %r10
	mov REG_R11(%rax), %r11
	mov REG_R12(%rax), %r12
	mov REG_R13(%rax), %r13
	mov REG_R14(%rax), %r14
	mov REG_R15(%rax), %r15
	cmpq $0, 8(%rsp)        /* launched? (MOV does not change flags) */
	mov REG_RAX(%rax), %rax
	jne 1f
	vmlaunch
	jmp vmx_entry_failed
1:	vmresume
	/* fall through: VMLAUNCH/VMRESUME failed, we are still in the host */

vmx_entry_failed:
	mov $VMX_FAIL_VALID, %eax
	mov $VMX_FAIL_INVALID, %ecx
	cmovc %ecx, %eax        /* CF=1 -> VMfailInvalid, else ZF=1 -> VMfailValid */
	add $16, %rsp           /* drop regs pointer and launched flag */
	jmp vmx_return_to_host

/* VMCS "host RIP": the CPU comes here on every VM exit. */
	.global vmx_exit_entry
vmx_exit_entry:
	push %rax               /* guest RAX; now [rsp+8] = regs pointer */
	mov 8(%rsp), %rax
	mov %rbx, REG_RBX(%rax)
	mov %rcx, REG_RCX(%rax)
	mov %rdx, REG_RDX(%rax)
	mov %rsi, REG_RSI(%rax)
	mov %rdi, REG_RDI(%rax)
	mov %rbp, REG_RBP(%rax)
	mov %r8,  REG_R8(%rax)
	mov %r9,  REG_R9(%rax)
	mov %r10, REG_R10(%rax)
	mov %r11, REG_R11(%rax)
	mov %r12, REG_R12(%rax)
	mov %r13, REG_R13(%rax)
	mov %r14, REG_R14(%rax)
	mov %r15, REG_R15(%rax)
	pop %rcx                /* guest RAX */
	mov %rcx, REG_RAX(%rax)
	add $16, %rsp           /* drop regs pointer and launched flag */
	mov $VMX_SUCCEED, %eax

vmx_return_to_host:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

	.section .note.GNU-stack, "", @progbits
