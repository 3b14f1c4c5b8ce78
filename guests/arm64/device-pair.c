/* device-pair: a load pair (LDP) from the demo device. A pair has no
 * instruction syndrome (ESR_EL2.ISV = 0), so nothing below the guest can
 * tell which registers the load fills: Linux's KVM hands such an abort to
 * the VMM as KVM_EXIT_ARM_NISV (vmm/arch/arm64.py asks for that), and the
 * VMM stops this VM with a report; the other VM goes on. */
#include "guest.h"
#include "config.h"

int main(void)
{
	u64 lo, hi;

	printf("loading a pair from the demo device at 0x%lx\n", (u64)GUEST_DEMO_BASE);
	__asm__ volatile("ldp %0, %1, [%2]" : "=r"(lo), "=r"(hi) : "r"((u64)GUEST_DEMO_BASE)
			 : "memory");
	check(false, "the load pair returned 0x%lx 0x%lx instead of stopping the VM", lo, hi);
	return summary();
}
