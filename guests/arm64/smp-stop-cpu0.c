/* smp-stop-cpu0: vCPU 0 faults; vCPU 1, on CPU 1, spins (lib/smp_stop.h). */
#include "smp_stop.h"

int main(void)
{
	return smp_stop(0);
}
