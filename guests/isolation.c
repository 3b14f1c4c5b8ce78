/* isolation: the guest reads just past the end of its RAM. The address has
 * no stage-2 / EPT / NPT entry, so the hypervisor must stop this VM, with a
 * report of the fault, and leave every other VM running. */
#include "guest.h"
#include "config.h"

#define RAM_END		(GUEST_RAM_BASE + GUEST_RAM_SIZE)

int main(void)
{
	volatile u64 *inside = (volatile u64 *)(RAM_END - 8);
	volatile u64 *outside = (volatile u64 *)RAM_END;

	*inside = 0x1234;
	check(*inside == 0x1234, "the last word of guest RAM is readable and writable");
	printf("reading 0x%lx, just outside guest RAM\n", (u64)outside);
	u64 v = *outside;
	check(false, "read outside guest RAM returned 0x%lx instead of stopping the VM", v);
	return summary();
}
