/* cr0-wp: the guest kernel clears CR0.WP, as it may. With EPT/NPT that is
 * the guest's own business; shadow paging tracks dirty bits by mapping
 * clean pages read-only, which binds ring 0 only while WP is set, so there
 * the hypervisor pins WP and stops a guest that changes it. */
#include "guest.h"

#define CR0_WP	BIT(16)

int main(void)
{
	u64 cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	printf("clearing CR0.WP\n");
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~CR0_WP) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	check(!(cr0 & CR0_WP), "CR0.WP reads back clear");
	return summary();
}
