/* smp-stop-cpu1: vCPU 1 faults; vCPU 0, on the boot CPU, spins (lib/smp_stop.h). */
#include "smp_stop.h"

int main(void)
{
	return smp_stop(1);
}
