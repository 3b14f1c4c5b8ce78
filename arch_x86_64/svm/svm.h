/* What the AMD-V files share. */
#pragma once
#include "arch_vcpu.h"
#include "backend.h"
#include "vmcb.h"
#include "vm.h"

struct vm;
struct vcpu;
struct exit;

extern u32 svm_features;	/* CPUID 8000_000A EDX */
u64 svm_host_vmcb(void);	/* where VMSAVE keeps the host's hidden state */

static inline struct vmcb *vcpu_vmcb(struct vcpu *vcpu)
{
	return (struct vmcb *)vcpu->arch.control;
}

/* svm_exit.c */
void svm_run(struct vcpu *vcpu, struct exit *e);
void svm_report(struct vcpu *vcpu, const struct exit *e);

/* npt.c */
extern const struct stage2_format npt_format;

/* svm_entry.S: VMLOAD, VMRUN, VMSAVE around the guest, with the guest's
 * GPRs (but RAX, which the VMCB holds) from and to *regs. */
void svm_enter_guest(struct x86_regs *regs, u64 vmcb_pa, u64 host_vmcb_pa);
