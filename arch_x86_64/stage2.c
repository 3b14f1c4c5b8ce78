/* The second stage of address translation, EPT (Intel) or NPT (AMD): a
 * 4-level table per VM, the same shape as ordinary long-mode paging,
 * mapping guest-physical to host-physical addresses. The walk is written
 * once here; the back end only says which bits an entry carries. */
#include "arch.h"
#include "backend.h"
#include "console.h"
#include "mm.h"
#include "vm.h"
#include "x86.h"

#define LEVEL_PD	2	/* level 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT */

void arch_vm_init(struct vm *vm)
{
	vm->arch.stage2_root = mm_alloc(PAGE_SIZE, PAGE_SIZE);
}

/* The entry for `gpa` at `stop_level`, creating the tables above it. */
static u64 *walk(u64 *table, u64 gpa, int stop_level)
{
	const struct stage2_format *f = backend->stage2;

	for (int level = PT_LEVELS; level > stop_level; level--) {
		u64 *entry = &table[pt_index(gpa, level)];
		if (!*entry)
			*entry = (u64)mm_alloc(PAGE_SIZE, PAGE_SIZE) | f->table;
		table = (u64 *)(*entry & PTE_ADDR);
	}
	return &table[pt_index(gpa, stop_level)];
}

void arch_map(struct vm *vm, u64 gpa, u64 hpa, u64 size)
{
	const struct stage2_format *f = backend->stage2;

	if (!IS_ALIGNED(gpa | hpa | size, PAGE_SIZE))
		panic("second-stage map of vm %s: 0x%lx -> 0x%lx not page aligned", vm->name, gpa, hpa);
	while (size) {
		if (IS_ALIGNED(gpa | hpa, LARGE_PAGE) && size >= LARGE_PAGE) {
			*walk(vm->arch.stage2_root, gpa, LEVEL_PD) = hpa | f->leaf | f->large;
			gpa += LARGE_PAGE, hpa += LARGE_PAGE, size -= LARGE_PAGE;
		} else {
			*walk(vm->arch.stage2_root, gpa, 1) = hpa | f->leaf;
			gpa += PAGE_SIZE, hpa += PAGE_SIZE, size -= PAGE_SIZE;
		}
	}
}
