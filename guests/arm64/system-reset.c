/* system-reset: PSCI SYSTEM_RESET starts the VM again, as QEMU's system
 * reset starts a machine: its image loaded again (a variable it changed
 * has its first value), its vCPU at the entry in the reset state, the rest
 * of its RAM as it was: a marker left outside the image survives, which is
 * how this guest knows it is living its second life. */
#include "guest.h"
#include "config.h"

#define PSCI_SYSTEM_RESET	0x84000009
#define MARKER_ADDR		(GUEST_RAM_BASE + GUEST_RAM_SIZE / 2)	/* not image, not stack */
#define MARKER			0x5eb007edu
#define FIRST_VALUE		1u

static volatile u32 life = FIRST_VALUE;	/* .data: part of the image */

int main(void)
{
	volatile u32 *marker = (volatile u32 *)MARKER_ADDR;

	if (*marker != MARKER) {
		exceptions_install();		/* VBAR_EL1 set: the reset must clear it */
		*marker = MARKER;
		life = 2;
		printf("first life: VBAR_EL1 0x%lx, calling PSCI SYSTEM_RESET\n", sysreg_read(vbar_el1));
		smc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
		printf("SYSTEM_RESET returned\n");
		return summary();
	}
	printf("second life\n");
	check(life == FIRST_VALUE, "the image was loaded again (a variable the first life changed reads %u)",
	      life);
	check(sysreg_read(vbar_el1) == 0, "the vCPU started from its reset state (VBAR_EL1 0x%lx)",
	      sysreg_read(vbar_el1));
	check(*marker == MARKER, "the rest of RAM is as the first life left it (the marker survived)");
	*marker = 0;
	return summary();
}
