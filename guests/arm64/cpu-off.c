/* cpu-off: a VM switches its only vCPU off with PSCI CPU_OFF. Nothing of
 * it can run again, so the hypervisor must end it, and say so. */
#include "guest.h"

int main(void)
{
	printf("switching its only vCPU off with PSCI CPU_OFF\n");
	smc_call(PSCI_CPU_OFF, 0, 0, 0);
	printf("CPU_OFF returned\n");
	return 1;
}
