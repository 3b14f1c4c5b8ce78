/*
 * The hosted VT-x world switch. hosted_vmx_launch() is called on a CPU that
 * runs Linux, in VMX root mode with its VMCS current and filled; VMLAUNCH
 * enters non-root mode at .Lguest_resumes with the stack as the call left
 * it, so the function returns 0 there, as a guest.
 *
 *   int hosted_vmx_launch(struct hosted_cpu *c)
 *     returns 0 in the guest; -EIO when VMLAUNCH failed outright (still in
 *     root mode); -EINVAL when the entry failed its guest-state checks.
 *
 * Unlike VMRUN, a VM exit loads the host's RSP and RIP from the VMCS: every
 * exit lands at hosted_vmx_exit_entry, on the exit handler's stack, with the
 * guest's GPRs still in the registers. They go into struct hosted_regs, C
 * decides, and VMRESUME goes back; or, to leave, the guest's registers go
 * back onto the CPU and IRETQ resumes the guest's code natively.
 */
#include <linux/linkage.h>
#include "hosted_entry.h"
#include "gpr_frame.h"

#define EIO	5
#define EINVAL	22

	.text
SYM_FUNC_START(hosted_vmx_launch)
	record_launch_point .Lguest_resumes
	sub $8, %rsp			/* the call below wants a 16-byte aligned stack */
	call hosted_vmx_prepare
	add $8, %rsp
	xor %eax, %eax			/* what the guest finds in RAX */
	vmlaunch
	mov $-EIO, %eax			/* VMfailInvalid or VMfailValid */
.Lguest_resumes:
	return_from_launch
SYM_FUNC_END(hosted_vmx_launch)

/* RSP = HOST_RSP: struct hosted_regs, then the hosted_cpu pointer. */
SYM_CODE_START(hosted_vmx_exit_entry)
	mov %rax, REG_RAX(%rsp)
	save_guest_gprs
	mov HOSTED_REGS_SIZE(%rsp), %rdi
	mov %rsp, %rsi
	call hosted_vmx_exit
	test %eax, %eax
	jnz .Lleave
	load_guest_gprs
	mov REG_RAX(%rsp), %rax
	vmresume
	mov HOSTED_REGS_SIZE(%rsp), %rdi
	mov %rsp, %rsi
	call hosted_vmx_resume_failed
.Lleave:
	load_guest_gprs_and_iret
SYM_CODE_END(hosted_vmx_exit_entry)
