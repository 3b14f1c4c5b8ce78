/* RDMSR and WRMSR exits, the same for VT-x and AMD-V. Only IA32_EFER is
 * emulated: a guest that switches itself to long mode sets EFER.LME, and
 * the hypervisor keeps the value in the VMCS/VMCB (where the back end may
 * add bits it needs, such as AMD's EFER.SVME); a write the architecture
 * refuses is the guest's #GP. Any other MSR stops the VM with a report,
 * which names the MSR. */
#include "arch.h"
#include "backend.h"
#include "config.h"
#include "shadow.h"
#include "exit.h"
#include "vm.h"
#include "x86.h"
#include "x86_exit.h"

#define EFER_SCE	BIT(0)	/* SYSCALL enable */
#define EFER_GUEST_WRITABLE	(EFER_SCE | EFER_LME | EFER_NXE)

/* WRMSR to IA32_EFER, by the SDM's rules (Vol. 4, IA32_EFER; Vol. 3A,
 * 10.8.5) and the APM's (Vol. 2, 3.1.7): LMA is the CPU's, so what is
 * written there is ignored (as KVM does); a reserved bit, SVME on a CPU that
 * shows no SVM, or a change of LME while paging is on is a #GP(0), and RIP
 * stays at the WRMSR. False: no way to raise it (trap-and-emulate). */
static bool write_efer(struct vcpu *vcpu, const struct x86_guest_state *s, struct exit *e)
{
	u64 value = e->value;

	if ((value & ~(EFER_GUEST_WRITABLE | EFER_LMA)) ||
	    ((s->cr0 & CR0_PG) && ((value ^ s->efer) & EFER_LME))) {
		e->insn_len = 0;
		return x86_inject_exception(vcpu, VECTOR_GP, true, 0);
	}
	value = (value & EFER_GUEST_WRITABLE) | (s->efer & EFER_LMA);
	if (PAGING_SHADOW && ((value ^ s->efer) & EFER_NXE))
		shadow_set_nxe(vcpu, value & EFER_NXE);	/* XD bits mean something else now */
	backend->set_efer(vcpu, value);
	return true;
}

bool x86_msr_access(struct vcpu *vcpu, struct exit *e)
{
	u32 msr = (u32)e->addr;
	struct x86_guest_state s;

	if (msr != IA32_EFER)
		return false;
	backend->read_state(vcpu, &s);
	if (!e->write) {
		u64 visible = s.efer & (EFER_GUEST_WRITABLE | EFER_LMA);
		vcpu->arch.regs.rax = (u32)visible;
		vcpu->arch.regs.rdx = visible >> 32;
		return true;
	}
	return write_efer(vcpu, &s, e);
}
