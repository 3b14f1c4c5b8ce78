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
	push_host_callee_saved
	push %rsi               /* [rsp+8]: launched flag */
	push %rdi               /* [rsp+0]: struct guest_regs * */

	mov $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax

	mov %rdi, %rax          /* rax = regs; loaded last */
	load_guest_gprs_from_rax
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
	save_guest_gprs_to_rax
	pop %rcx                /* guest RAX */
	mov %rcx, REG_RAX(%rax)
	add $16, %rsp           /* drop regs pointer and launched flag */
	mov $VMX_SUCCEED, %eax

vmx_return_to_host:
	pop_host_callee_saved
	ret

	.section .note.GNU-stack, "", @progbits
