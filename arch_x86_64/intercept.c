/* Instructions intercepted only so that a guest cannot use them on the
 * real CPU: SVM's VMLOAD/VMSAVE take a host-physical address, CLGI holds
 * off the interrupt that ends a time slice, INVD drops the host's dirty
 * cache lines. The guest's CPUID shows neither VMX nor SVM (cpuid.c), so
 * it gets what such a CPU gives: #UD. INVD is done as WBINVD, as KVM does. */
#include "backend.h"
#include "exit.h"
#include "x86.h"
#include "x86_exit.h"

/* An exception for the guest, delivered through its own IDT at the next
 * entry; false when the back end cannot deliver one (trap-and-emulate). */
bool x86_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error, u32 error)
{
	if (!backend->inject_exception)
		return false;
	backend->inject_exception(vcpu, vector, has_error, error);
	return true;
}

bool x86_intercepted_insn(struct vcpu *vcpu, struct exit *e)
{
	if (e->addr == X86_SYSREG_INVD)
		return true;	/* the caches stay coherent with every VM's RAM: nothing to do */
	if (e->addr != X86_SYSREG_UNDEFINED)
		return false;
	e->insn_len = 0;	/* a fault: RIP stays at the instruction */
	return x86_inject_exception(vcpu, VECTOR_UD, false, 0);
}
