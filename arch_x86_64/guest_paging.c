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
	u64 table = cr3 & PTE_ADDR, reserved = reserved_address_bits();
	u64 allowed = PTE_WRITABLE | PTE_USER;	/* only if set at every level */

	w->levels = 0;
	for (int level = PT_LEVELS; level >= 1; level--) {
		u64 *e = vm_guest_ptr(vm, table + pt_index(gva, level) * 8, 8);
		if (!e)		/* no RAM there: it reads as all ones, reserved bits set */
			return PF_ERR_P | PF_ERR_RSVD;
		u64 entry = *e;
		if (!(entry & PTE_PRESENT))
			return WALK_NOT_PRESENT;
		if ((entry & reserved) || (level == PT_LEVELS && (entry & PTE_LARGE)))
			return PF_ERR_P | PF_ERR_RSVD;	/* PS is reserved in a PML4 entry */
		w->entries[w->levels++] = e;
		allowed &= entry;
		if (level == 1 || (entry & PTE_LARGE)) {
			u64 size = BIT(PT_LEVEL_SHIFT(level));
			w->gpa = (entry & PTE_ADDR & ~(size - 1)) | (gva & (size - 1));
			w->large = level > 1;
			w->writable = allowed & PTE_WRITABLE;
			w->user = allowed & PTE_USER;
			return 0;
		}
		table = entry & PTE_ADDR;
	}
	return WALK_NOT_PRESENT;	/* not reached: level 1 always ends the walk */
}
