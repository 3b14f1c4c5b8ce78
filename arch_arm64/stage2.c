/* Stage-2 translation: each VM's own tables turn its intermediate physical
 * addresses (IPA, what the guest thinks is physical) into host physical
 * addresses. 4 KiB granule, 32-bit IPA space, walks start at level 1.
 * An IPA with no entry faults to EL2: that is how MMIO traps, and how a
 * guest that reaches outside its memory is caught. */
#include "arch.h"
#include "console.h"
#include "mm.h"
#include "sysreg.h"
#include "vm.h"

#define ENTRIES_PER_TABLE	512
#define DESC_VALID		BIT(0)
#define DESC_TABLE		BIT(1)	/* levels 1-2: next-level table */
#define DESC_PAGE		BIT(1)	/* level 3: a page (with DESC_VALID) */
#define DESC_ADDR_MASK		MASK(47, 12)
#define S2_MEMATTR_NORMAL_WB	(0xfULL << 2)	/* MemAttr: Normal, write-back */
#define S2AP_RW			(3ULL << 6)	/* read/write from EL1 and EL0 */
#define S2_SH_INNER		(3ULL << 8)
#define S2_AF			BIT(10)		/* access flag: set, never fault on it */
#define S2_MEMATTR_DEVICE_nGnRnE (0x0ULL << 2)	/* MemAttr: Device-nGnRnE */
#define S2_XN			BIT(54)		/* execute never */
#define S2_ATTRS		(S2_MEMATTR_NORMAL_WB | S2AP_RW | S2_SH_INNER | S2_AF)
#define S2_DEVICE_ATTRS		(S2_MEMATTR_DEVICE_nGnRnE | S2AP_RW | S2_AF | S2_XN)

#define LEVEL_SHIFT(level)	(39 - 9 * (level))	/* 1: 30, 2: 21, 3: 12 */
#define LEVEL_INDEX(a, level)	(((a) >> LEVEL_SHIFT(level)) & (ENTRIES_PER_TABLE - 1))
#define BLOCK_SIZE_L2		(2 * MiB)

/* VTCR_EL2: the shape of every VM's stage-2 tables. */
#define VTCR_T0SZ_32BIT		32		/* IPA space of 2^(64-32) bytes */
#define VTCR_SL0_LEVEL1		(1ULL << 6)
#define VTCR_IRGN0_WBWA		(1ULL << 8)
#define VTCR_ORGN0_WBWA		(1ULL << 10)
#define VTCR_SH0_INNER		(3ULL << 12)
#define VTCR_TG0_4K		(0ULL << 14)
#define VTCR_PS_32BIT		(0ULL << 16)
#define VTCR_RES1		BIT(31)
#define VTTBR_VMID_SHIFT	48

void arm64_stage2_init(void)
{
	write_sysreg(vtcr_el2, VTCR_RES1 | VTCR_T0SZ_32BIT | VTCR_SL0_LEVEL1 |
		     VTCR_IRGN0_WBWA | VTCR_ORGN0_WBWA | VTCR_SH0_INNER |
		     VTCR_TG0_4K | VTCR_PS_32BIT);
}

void arch_vm_init(struct vm *vm)
{
	vm->arch.stage2_root = mm_alloc(PAGE_SIZE, PAGE_SIZE);
	vm->arch.vttbr_el2 = (u64)vm->arch.stage2_root |
			     ((u64)(vm->id + 1) << VTTBR_VMID_SHIFT);	/* VMID 0 unused */
}

/* The table one level down from `table[index]`, created when missing. */
static u64 *next_table(u64 *table, unsigned index)
{
	if (!(table[index] & DESC_VALID)) {
		u64 *t = mm_alloc(PAGE_SIZE, PAGE_SIZE);
		table[index] = (u64)t | DESC_TABLE | DESC_VALID;
	}
	return (u64 *)(table[index] & DESC_ADDR_MASK);
}

static void map_range(struct vm *vm, u64 gpa, u64 hpa, u64 size, u64 attrs)
{
	if (!IS_ALIGNED(gpa | hpa | size, PAGE_SIZE))
		panic("stage-2 map of vm %s: 0x%lx -> 0x%lx not page aligned", vm->name, gpa, hpa);

	while (size) {
		u64 *l2 = next_table(vm->arch.stage2_root, LEVEL_INDEX(gpa, 1));
		u64 step;

		if (IS_ALIGNED(gpa | hpa, BLOCK_SIZE_L2) && size >= BLOCK_SIZE_L2) {
			l2[LEVEL_INDEX(gpa, 2)] = hpa | attrs | DESC_VALID;	/* 2 MiB block */
			step = BLOCK_SIZE_L2;
		} else {
			u64 *l3 = next_table(l2, LEVEL_INDEX(gpa, 2));
			l3[LEVEL_INDEX(gpa, 3)] = hpa | attrs | DESC_PAGE | DESC_VALID;
			step = PAGE_SIZE;
		}
		gpa += step, hpa += step, size -= step;
	}
	dsb(ishst);
}

void arch_map(struct vm *vm, u64 gpa, u64 hpa, u64 size)
{
	map_range(vm, gpa, hpa, size, S2_ATTRS);
}

void arch_map_device(struct vm *vm, u64 gpa, u64 hpa, u64 size)
{
	map_range(vm, gpa, hpa, size, S2_DEVICE_ATTRS);
}
