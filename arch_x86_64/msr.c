/* RDMSR and WRMSR exits, the same for VT-x and AMD-V. Only IA32_EFER is
 * emulated: a guest that switches itself to long mode sets EFER.LME, and
 * the hypervisor keeps the value in the VMCS/VMCB (where the back end may
 * add bits it needs, such as AMD's EFER.SVME). Any other MSR stops the VM
 * with a report, which names the MSR. */
#include "arch.h"
#include "backend.h"
#include "exit.h"
#include "vm.h"
#include "x86.h"
#include "x86_exit.h"

#define EFER_SCE	BIT(0)	/* SYSCALL enable */
#define EFER_NXE	BIT(11)	/* no-execute enable */
#define EFER_GUEST_WRITABLE	(EFER_SCE | EFER_LME | EFER_NXE)

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
	if (e->value & ~EFER_GUEST_WRITABLE)
		return false;	/* reserved bits: stopped, with the value in the report */
	backend->set_efer(vcpu, (s.efer & EFER_LMA) | e->value);
	return true;
}
