/* WFI's counterpart, HLT: no x86 VM here has an interrupt controller of its
 * own, so a halted vCPU may run again at once (its HLT is a yield), and a
 * CPU with nothing to run waits as it always has. */
#include "arch.h"

bool arch_vcpu_has_work(struct vcpu *vcpu)
{
	(void)vcpu;
	return true;
}

void arch_cpu_idle(void)
{
	arch_cpu_wait();
}
