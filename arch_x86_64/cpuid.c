/* CPUID exits (and the door to MSR exits, msr.c), the same for VT-x and
 * AMD-V. CPUID must always exit
 * to the hypervisor on Intel (and is intercepted on AMD): the guest sees the
 * real CPU, minus VMX and SVM (no nesting here), plus the "hypervisor
 * present" bit and the hypervisor's own leaves at 0x40000000:
 *   0x40000000  EAX = last hypervisor leaf, EBX:ECX:EDX = "hv-teaching\0"
 *   0x40000001  EAX = TSC frequency in kHz (guests time themselves with it) */
#include "arch.h"
#include "backend.h"
#include "config.h"
#include "exit.h"
#include "vm.h"
#include "x86.h"
#include "x86_exit.h"

#define HV_LEAF_LAST	0x40000001
#define HV_LEAF_TSC	0x40000001
#define HZ_PER_KHZ	1000

static void hypervisor_leaf(u32 leaf, struct cpuid_regs *r)
{
	static const char signature[12] = "hv-teaching";	/* 11 chars and a NUL */

	*r = (struct cpuid_regs){ 0 };
	if (leaf == CPUID_LEAF_HYPERVISOR) {
		r->eax = HV_LEAF_LAST;
		memcpy(&r->ebx, signature, 4);
		memcpy(&r->ecx, signature + 4, 4);
		memcpy(&r->edx, signature + 8, 4);
	} else if (leaf == HV_LEAF_TSC) {
		r->eax = PLATFORM_TSC_HZ / HZ_PER_KHZ;
	}
}

/* CPUID.1:ECX.OSXSAVE mirrors CR4.OSXSAVE: the guest's, not the host's
 * (which world_switch.c sets). */
static u32 guest_osxsave(struct vcpu *vcpu)
{
	struct x86_guest_state s;

	backend->read_state(vcpu, &s);
	return s.cr4 & CR4_OSXSAVE ? CPUID_1_ECX_OSXSAVE : 0;
}

static void emulate_cpuid(struct vcpu *vcpu)
{
	struct x86_regs *g = &vcpu->arch.regs;
	u32 leaf = (u32)g->rax, subleaf = (u32)g->rcx;
	struct cpuid_regs r;

	if (leaf >= CPUID_LEAF_HYPERVISOR && leaf <= CPUID_HYPERVISOR_LAST)
		hypervisor_leaf(leaf, &r);
	else
		r = cpuid(leaf, subleaf);
	if (leaf == CPUID_LEAF_FEATURES)	/* VMX, SMX, MONITOR: intercept.c answers #UD */
		r.ecx = (r.ecx & ~(CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | CPUID_1_ECX_MONITOR |
				   CPUID_1_ECX_OSXSAVE)) | CPUID_1_ECX_HYPERVISOR | guest_osxsave(vcpu);
	if (leaf == CPUID_LEAF_EXT_FEATURES)
		r.ecx &= ~(CPUID_80000001_ECX_SVM | CPUID_80000001_ECX_SKINIT);
	g->rax = r.eax, g->rbx = r.ebx, g->rcx = r.ecx, g->rdx = r.edx;
}

bool arch_sysreg_access(struct vcpu *vcpu, struct exit *e)
{
	if (e->addr == X86_SYSREG_CPUID) {
		emulate_cpuid(vcpu);
		return true;
	}
	if (e->addr & X86_SYSREG_MSR)
		return x86_msr_access(vcpu, e);
	return x86_intercepted_insn(vcpu, e);
}

bool arch_firmware_call(struct vcpu *vcpu, struct exit *e)
{
	(void)vcpu, (void)e;
	return false;	/* x86 guests here have no firmware interface */
}
