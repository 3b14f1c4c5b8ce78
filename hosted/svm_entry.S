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
#include "gpr_frame.h"

	.text
SYM_FUNC_START(hosted_svm_launch)
	record_launch_point .Lguest_resumes

	/* Now the host: its own stack and page tables. */
	mov HOSTED_CPU_HOST_RSP(%rdi), %rsp
	mov HOSTED_CPU_HOST_CR3(%rdi), %rax
	mov %rax, %cr3
	sub $HOSTED_STACK_FRAME, %rsp
	mov %rdi, HOSTED_REGS_SIZE(%rsp)	/* the hosted_cpu, above the registers */
	mov %rsp, %rsi
	call hosted_svm_prepare

.Lrun:
	load_guest_gprs
	mov HOSTED_REGS_SIZE(%rsp), %rax
	mov HOSTED_CPU_CONTROL_PA(%rax), %rax
	vmload %rax
	vmrun %rax
	vmsave %rax
	save_guest_gprs			/* RAX is the host's again: the VMCB pa */
	mov HOSTED_REGS_SIZE(%rsp), %rdi
	mov HOSTED_CPU_HOST_SAVE_PA(%rdi), %rax
	vmload %rax
	mov %rsp, %rsi
	call hosted_svm_exit
	test %eax, %eax
	jz .Lrun

	/* Leave: every guest register back, then IRETQ to the guest's RIP. */
	load_guest_gprs_and_iret

.Lguest_resumes:
	/* As a guest (RAX = 0, from the VMCB) or, after a refused VMRUN, as before. */
	return_from_launch
SYM_FUNC_END(hosted_svm_launch)
