/*
 * The world switch between host C code and an AMD-V guest.
 *
 * void svm_enter_guest(struct x86_regs *regs, u64 vmcb_pa, u64 host_vmcb_pa)
 *
 * What VMRUN does and does not switch (APM Vol. 2, 15.5 - 15.6):
 *   - VMRUN saves the host's CS, SS, DS, ES, GDTR, IDTR, CR0, CR3, CR4,
 *     EFER, RFLAGS, RIP, RSP and RAX in the host save area (VM_HSAVE_PA),
 *     loads the guest's copies of those from the VMCB, and #VMEXIT
 *     reverses that. RAX, RSP, RIP and RFLAGS are the only GPR-like
 *     registers in the VMCB.
 *   - VMLOAD / VMSAVE move the "hidden" rest: FS, GS, TR, LDTR (with
 *     their hidden base/limit), KernelGsBase, STAR, LSTAR, CSTAR, SFMASK
 *     and the SYSENTER MSRs, between the CPU and a VMCB.
 *   - Every other GPR (RBX, RCX, RDX, RSI, RDI, RBP, R8 - R15) is simply
 *     left as it is: we load the guest's values before VMRUN and store
 *     them after #VMEXIT.
 *
 * RAX holds the VMCB's physical address for VMLOAD, VMRUN and VMSAVE.
 * After #VMEXIT, RAX is the host's again (restored from the host save
 * area), i.e. still vmcb_pa; the guest's RAX is in the VMCB.
 *
 * Interrupts: CLGI clears the global interrupt flag (GIF), which holds
 * off interrupts and NMIs during the switch. VMRUN sets GIF = 1, #VMEXIT
 * clears it again. With V_INTR_MASKING set in the VMCB, the *host's*
 * RFLAGS.IF at VMRUN decides whether a physical interrupt may end the
 * guest's run (INTR intercept), so we STI while GIF is still 0. An
 * interrupt that caused #VMEXIT(INTR) is still pending afterwards (not yet
 * acknowledged); the host takes it through its own IDT in the one-
 * instruction window between STGI (GIF = 1, IF still 1) and CLI.
 */
#include "arch_vcpu.h"

	.text
	.code64
	.global svm_enter_guest
svm_enter_guest:
	push_host_callee_saved
	push %rdx               /* [rsp+16]: host_vmcb_pa */
	push %rsi               /* [rsp+8]:  vmcb_pa */
	push %rdi               /* [rsp+0]:  struct x86_regs * */

	clgi                    /* GIF = 0 */
	sti                     /* host IF = 1: recorded by VMRUN, see above */

	/* Host FS/GS/TR/LDTR and syscall MSRs -> host_vmcb */
	mov %rdx, %rax
	vmsave

	/* Guest GPRs from *regs (RAX comes from the VMCB) */
	mov %rdi, %rax
	load_guest_gprs_from_rax

	mov 8(%rsp), %rax       /* vmcb_pa */
	vmload                  /* guest FS/GS/TR/LDTR/... from the VMCB */
	vmrun                   /* run the guest until #VMEXIT */
	vmsave                  /* guest FS/GS/TR/LDTR/... back into the VMCB */

	/* Back in the host: RAX = vmcb_pa, RSP = our stack, GIF = 0.
	 * Store the guest GPRs into *regs. */
	mov (%rsp), %rax
	save_guest_gprs_to_rax

	mov 16(%rsp), %rax      /* host_vmcb_pa */
	vmload                  /* host FS/GS/TR/LDTR/... again */

	stgi                    /* GIF = 1: a pending interrupt is taken here */
	cli                     /* the host's C code runs with IF = 0 */

	add $24, %rsp           /* drop regs, vmcb_pa, host_vmcb_pa */
	pop_host_callee_saved
	ret

	.section .note.GNU-stack, "", @progbits
