/*
 * The hosted AMD-V world switch. hosted_svm_launch() is called on a CPU
 * that runs Linux; it returns on that same CPU, in the same function, but
 * with the CPU now in guest mode: the caller goes on as a guest of the
 * loop below, which runs on a stack of its own with init_mm's page tables.
 *
 *   int hosted_svm_launch(struct hosted_cpu *c)
 *     returns 0 in the guest; -EIO when VMRUN refused the VMCB (the CPU
 *     then goes on as before, never having left).
 *
 * The loop: VMLOAD the guest's hidden state, VMRUN, VMSAVE it back, VMLOAD
 * the host's, push-free save of the guest GPRs into struct hosted_regs at
 * the bottom of the host stack, and hosted_svm_exit() in C. When that
 * returns 1, the guest's registers go back onto the CPU and IRETQ resumes
 * the guest's code natively: the CPU has left guest mode.
 */
#include <linux/linkage.h>
#include "hosted_entry.h"

	.macro load_guest_gprs	/* all but RAX (in the VMCB) and RSP */
	mov HOSTED_REGS_RBX(%rsp), %rbx
	mov HOSTED_REGS_RCX(%rsp), %rcx
	mov HOSTED_REGS_RDX(%rsp), %rdx
	mov HOSTED_REGS_RSI(%rsp), %rsi
	mov HOSTED_REGS_RDI(%rsp), %rdi
	mov HOSTED_REGS_RBP(%rsp), %rbp
	mov HOSTED_REGS_R8(%rsp), %r8
	mov HOSTED_REGS_R9(%rsp), %r9
	mov HOSTED_REGS_R10(%rsp), %r10
	mov HOSTED_REGS_R11(%rsp), %r11
	mov HOSTED_REGS_R12(%rsp), %r12
	mov HOSTED_REGS_R13(%rsp), %r13
	mov HOSTED_REGS_R14(%rsp), %r14
	mov HOSTED_REGS_R15(%rsp), %r15
	.endm

	.macro save_guest_gprs
	mov %rbx, HOSTED_REGS_RBX(%rsp)
	mov %rcx, HOSTED_REGS_RCX(%rsp)
	mov %rdx, HOSTED_REGS_RDX(%rsp)
	mov %rsi, HOSTED_REGS_RSI(%rsp)
	mov %rdi, HOSTED_REGS_RDI(%rsp)
	mov %rbp, HOSTED_REGS_RBP(%rsp)
	mov %r8, HOSTED_REGS_R8(%rsp)
	mov %r9, HOSTED_REGS_R9(%rsp)
	mov %r10, HOSTED_REGS_R10(%rsp)
	mov %r11, HOSTED_REGS_R11(%rsp)
	mov %r12, HOSTED_REGS_R12(%rsp)
	mov %r13, HOSTED_REGS_R13(%rsp)
	mov %r14, HOSTED_REGS_R14(%rsp)
	mov %r15, HOSTED_REGS_R15(%rsp)
	.endm

	.text
SYM_FUNC_START(hosted_svm_launch)
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	pushfq
	popq HOSTED_CPU_GUEST_RFLAGS(%rdi)
	mov %rsp, HOSTED_CPU_GUEST_RSP(%rdi)
	lea .Lguest_resumes(%rip), %rax
	mov %rax, HOSTED_CPU_GUEST_RIP(%rdi)

	/* Now the host: its own stack and page tables. */
	mov HOSTED_CPU_HOST_RSP(%rdi), %rsp
	mov HOSTED_CPU_HOST_CR3(%rdi), %rax
	mov %rax, %cr3
	sub $HOSTED_STACK_FRAME, %rsp
	mov %rdi, HOSTED_REGS_SIZE(%rsp)	/* the hosted_cpu, above the registers */
	mov %rsp, %rsi
	call hosted_svm_prepare

.Lrun:
	mov HOSTED_REGS_SIZE(%rsp), %rax
	mov HOSTED_CPU_CONTROL_PA(%rax), %rax
	load_guest_gprs
	vmload %rax
	vmrun %rax
	vmsave %rax
	save_guest_gprs
	mov HOSTED_REGS_SIZE(%rsp), %rdi
	mov HOSTED_CPU_HOST_SAVE_PA(%rdi), %rax
	vmload %rax
	mov %rsp, %rsi
	call hosted_svm_exit
	test %eax, %eax
	jz .Lrun

	/* Leave: every guest register back, then IRETQ to the guest's RIP. */
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rbp
	pop %rbx
	pop %rdx
	pop %rcx
	pop %rax
	iretq

.Lguest_resumes:
	/* As a guest (RAX = 0, from the VMCB) or, after a refused VMRUN, as before. */
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	RET
SYM_FUNC_END(hosted_svm_launch)
