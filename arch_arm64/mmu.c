/* The hypervisor's own address space at EL2: an identity map built from
 * 1 GiB blocks, device memory below RAM and normal cacheable memory for
 * RAM, then the MMU and caches are switched on. */
#include "config.h"
#include "sysreg.h"

#define DESC_BLOCK		BIT(0)	/* valid, block (bit 1 clear) */
#define ATTR_INDEX(n)		((u64)(n) << 2)	/* index into MAIR_EL2 */
#define AP_EL2_RW		(0ULL << 6)
#define SH_INNER		(3ULL << 8)
#define AF			BIT(10)
#define XN			BIT(54)	/* execute never */

#define MAIR_DEVICE_nGnRnE	0x00
#define MAIR_NORMAL_WB		0xff
#define ATTR_DEVICE		0	/* MAIR_EL2 attribute 0 */
#define ATTR_NORMAL		1	/* MAIR_EL2 attribute 1 */

#define TCR_T0SZ_32BIT		32	/* VA space of 4 GiB: walks start at level 1 */
#define TCR_IRGN0_WBWA		(1ULL << 8)
#define TCR_ORGN0_WBWA		(1ULL << 10)
#define TCR_SH0_INNER		(3ULL << 12)
#define TCR_TG0_4K		(0ULL << 14)
#define TCR_PS_32BIT		(0ULL << 16)
#define TCR_EL2_RES1		(BIT(31) | BIT(23))

#define L1_BLOCK_SIZE		(1ULL << 30)
#define L1_ENTRIES		4	/* 4 GiB / 1 GiB */

static u64 l1_table[512] __attribute__((aligned(4096)));

/* Every CPU: the same table, attributes and translation control, then on. */
void arm64_mmu_enable(void)
{
	write_sysreg(mair_el2, MAIR_DEVICE_nGnRnE | ((u64)MAIR_NORMAL_WB << (8 * ATTR_NORMAL)));
	write_sysreg(tcr_el2, TCR_EL2_RES1 | TCR_T0SZ_32BIT | TCR_IRGN0_WBWA |
		     TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K | TCR_PS_32BIT);
	write_sysreg(ttbr0_el2, (u64)l1_table);
	dsb(ish);
	__asm__ volatile("tlbi alle2");
	dsb(ish);
	isb();
	write_sysreg(sctlr_el2, SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I);
	isb();
}

/* The boot CPU: build the table once. */
void arm64_mmu_init(void)
{
	for (u64 i = 0; i < L1_ENTRIES; i++) {
		u64 base = i * L1_BLOCK_SIZE;
		bool ram = base >= PLATFORM_RAM_BASE && base < PLATFORM_RAM_BASE + PLATFORM_RAM_SIZE;

		l1_table[i] = base | DESC_BLOCK | AF | SH_INNER | AP_EL2_RW |
			      (ram ? ATTR_INDEX(ATTR_NORMAL) : ATTR_INDEX(ATTR_DEVICE) | XN);
	}
	arm64_mmu_enable();
}
