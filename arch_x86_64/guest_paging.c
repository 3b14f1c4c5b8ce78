/* The guest's own page tables, walked by the hypervisor: to read the
 * instruction at a guest's RIP (decode.c) and to build shadow page tables
 * (shadow.c). Every table is read through vm_guest_ptr(): a guest can point
 * CR3 or an entry anywhere, and the hypervisor follows only pointers into
 * its RAM. A table outside that RAM is never read: like memory that is not
 * there on a PC, it reads as all ones, an entry with reserved bits set. */
#include "guest_paging.h"
#include "vm.h"
#include "x86.h"

#define CPUID_ADDR_SIZES 0x80000008

/* Address bits above the CPU's physical address width are reserved. */
static u64 reserved_address_bits(void)
{
	static u64 mask;

	if (!mask)
		mask = MASK(51, cpuid(CPUID_ADDR_SIZES, 0).eax & 0xff);
	return mask;
}

u64 guest_walk(struct vm *vm, u64 cr3, u64 gva, struct guest_walk *w)
{
	u64 table = cr3 & PTE_ADDR;
	u64 *visited[PT_LEVELS];
	int n = 0;

	w->writable = w->user = true;
	for (int level = PT_LEVELS; level >= 1; level--) {
		u64 *e = vm_guest_ptr(vm, table + pt_index(gva, level) * 8, 8);
		if (!e)		/* no RAM there: it reads as all ones, reserved bits set */
			return PF_ERR_P | PF_ERR_RSVD;
		if (!(*e & PTE_PRESENT))
			return WALK_NOT_PRESENT;
		bool large = level <= 3 && level > 1 && (*e & PTE_LARGE);
		if ((*e & reserved_address_bits()) || (level == PT_LEVELS && (*e & PTE_LARGE)))
			return PF_ERR_P | PF_ERR_RSVD;
		visited[n++] = e;
		w->writable &= !!(*e & PTE_WRITABLE);
		w->user &= !!(*e & PTE_USER);
		if (large || level == 1) {
			u64 size = BIT(PT_LEVEL_SHIFT(level));
			w->gpa = (*e & PTE_ADDR & ~(size - 1)) | (gva & (size - 1));
			w->leaf = e;
			w->large = large;
			for (int i = 0; i < n; i++)
				*visited[i] |= PTE_ACCESSED;	/* as the CPU's walk would */
			return 0;
		}
		table = *e & PTE_ADDR;
	}
	return 0;
}

