/* mmio-straddle: an 8-byte load whose first half is RAM and whose second
 * half is the demo device. The guest maps a RAM page and the device's page
 * side by side in its own page tables and loads across the seam. A device
 * access that is not wholly inside one device is neither split nor half
 * done: the hypervisor stops the VM with a report naming address and size
 * (hv/vm.c, vm_find_device). Without that, the load returned the device's
 * 8 bytes at offset 0: the RAM half was never read.
 * First, a byte store from SIL (a REX prefix with register 6), which the
 * decoder once refused as if it were DH (found by the fuzzer). */
#include "guest.h"
#include "config.h"

#define SEAM		0x200000UL	/* linear: PD entry 1, no RAM behind it otherwise */
#define PT_ENTRIES	512
#define PTE_P		BIT(0)
#define PTE_W		BIT(1)
#define PTE_ADDR	0x000ffffffffff000ULL
#define RAM_HALF	0x5a5a5a5aUL
#define DEMO_ID_OFFSET	0x00
#define DEMO_DEVICE_ID	0x0de30de3
#define DEMO_SCRATCH	(GUEST_DEMO_BASE + 0x08)

static u64 pt[PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static u8 ram_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static u64 *table_at(u64 entry) { return (u64 *)(entry & PTE_ADDR); }

int main(void)
{
	u64 cr3, *pd;

	mmio_write64(DEMO_SCRATCH, 0);
	__asm__ volatile("mov %0, %%esi; .byte 0x40, 0x88, 0x37" /* mov %sil, (%rdi) */
			 : : "r"(0xa5u), "D"(DEMO_SCRATCH) : "rsi", "memory");
	check(mmio_read64(DEMO_SCRATCH) == 0xa5, "a byte store from SIL (REX, register 6) is emulated");
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pd = table_at(table_at(table_at(cr3)[0])[0]);		/* PML4[0] -> PDPT[0] -> PD */
	pt[0] = (u64)ram_page | PTE_P | PTE_W;
	pt[1] = (GUEST_DEMO_BASE + DEMO_ID_OFFSET) | PTE_P | PTE_W;
	pd[SEAM >> 21] = (u64)pt | PTE_P | PTE_W;
	__asm__ volatile("invlpg (%0); invlpg (%1)" : : "r"(SEAM), "r"(SEAM + PAGE_SIZE) : "memory");

	*(volatile u32 *)(ram_page + PAGE_SIZE - 4) = RAM_HALF;
	check(mmio_read32(SEAM + PAGE_SIZE + DEMO_ID_OFFSET) == DEMO_DEVICE_ID,
	      "the device answers through the guest's own mapping");
	check(*(volatile u32 *)(SEAM + PAGE_SIZE - 4) == RAM_HALF,
	      "the RAM page beside it holds the guest's bytes");
	printf("loading 8 bytes at linear 0x%lx: 4 of RAM, then 4 of the device\n",
	       SEAM + PAGE_SIZE - 4);
	u64 v = mmio_read64(SEAM + PAGE_SIZE - 4);
	printf("FAIL: the straddling load returned 0x%lx (RAM half 0x%lx)\n", v, RAM_HALF);
	return summary();
}
