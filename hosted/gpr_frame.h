/* What both world switches (svm_entry.S, vmx_entry.S) do alike: note
 * where the launching call goes on, and move the guest's general-purpose
 * registers between the CPU and struct hosted_regs at the bottom of the
 * exit handler's stack (hosted_entry.h). The register layout and the
 * macros that move them are the bare-metal cores' (arch_vcpu.h). VMRUN
 * leaves RAX in the VMCB, a VM exit leaves it in RAX: each path handles
 * RAX itself. */
#pragma once
#include "arch_vcpu.h"

	/* The callee-saved registers pushed, then RFLAGS, RSP and `resume`
	 * noted in the hosted_cpu (RDI): where the guest's first entry goes. */
	.macro record_launch_point resume
	push_host_callee_saved
	pushfq
	popq HOSTED_CPU_GUEST_RFLAGS(%rdi)
	mov %rsp, HOSTED_CPU_GUEST_RSP(%rdi)
	lea \resume(%rip), %rax
	mov %rax, HOSTED_CPU_GUEST_RIP(%rdi)
	.endm

	/* At `resume`, as a guest (or, if the entry failed, as before): the
	 * launching function returns, RAX its value. */
	.macro return_from_launch
	pop_host_callee_saved
	RET
	.endm

	/* RSP at struct hosted_regs; RAX free */
	.macro load_guest_gprs
	mov %rsp, %rax
	load_guest_gprs_from_rax
	.endm

	.macro save_guest_gprs
	mov %rsp, %rax
	save_guest_gprs_to_rax
	.endm

	/* RSP at struct hosted_regs: every GPR back, then IRETQ with its frame */
	.macro load_guest_gprs_and_iret
	load_guest_gprs
	mov REG_RAX(%rsp), %rax
	add $HOSTED_REGS_IRET, %rsp
	iretq
	.endm
