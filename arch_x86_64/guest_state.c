/* Building a guest's starting state: identity page tables and a GDT in the
 * guest's own RAM (below its image), and the register values that use
 * them. What a boot loader would leave behind for a 64-bit kernel. */
#include "guest_state.h"
#include "config.h"
#include "console.h"
#include "cpu.h"
#include "vm.h"
#include "x86.h"

/* Where the boot structures live, as offsets into guest RAM. */
#define BOOT_PML4	0x1000
#define BOOT_PDPT	0x2000
#define BOOT_PD		0x3000
#define BOOT_GDT	0x4000
#define BOOT_TSS	0x4100


#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_TSS		0x18
#define GDT_CODE64	0x00af9b000000ffffULL	/* L=1, present, execute/read, accessed */
#define GDT_DATA	0x00cf93000000ffffULL	/* present, read/write, accessed, 4 GiB */
#define GDT_ENTRIES	5			/* null, code, data, TSS (two slots) */
#define DESC_TO_AR(d)	((u16)(((d) >> 40) & 0xf0ff))
#define AR_TSS64_BUSY	(TSS_TYPE_BUSY_64 | BIT(7))	/* busy 64-bit TSS, present */
#define SEG_LIMIT_4G	0xffffffffu
#define RFLAGS_FIXED	BIT(1)

static u64 *guest_table(struct vm *vm, u64 offset, u64 size)
{
	u64 *p = vm_guest_ptr(vm, GUEST_RAM_BASE + offset, size);

	if (!p)
		panic("vm %s: guest RAM too small for its boot structures", vm->name);
	return p;
}

/* Real mode: segment base = selector * 16; the image's base is a multiple
 * of 64 KiB, so its code runs at offset 0 of segment entry / 16. */
#define REAL_MODE_LIMIT		0xffff
#define REAL_MODE_SP		0xfff0
#define AR_CODE16		0x9b	/* present, execute/read, accessed */
#define AR_DATA16		0x93	/* present, read/write, accessed */
#define AR_TSS_BUSY		0x8b	/* busy TSS: VM entry wants one even in real mode */
#define PARAGRAPH		16

static void real_mode_state(u64 entry, struct x86_boot_state *s)
{
	u16 segment = (u16)(entry / PARAGRAPH);

	*s = (struct x86_boot_state){
		.long_mode = false,
		.rip = entry % PARAGRAPH,
		.rsp = REAL_MODE_SP,
		.rflags = RFLAGS_FIXED,
		.cr0 = CR0_ET,				/* PE=0, PG=0 */
		.idt_limit = REAL_MODE_LIMIT,		/* the real-mode vector table at 0 */
		.gdt_limit = REAL_MODE_LIMIT,
		.code = { segment, entry & ~(PARAGRAPH - 1ULL), REAL_MODE_LIMIT, AR_CODE16 },
		.data = { segment, entry & ~(PARAGRAPH - 1ULL), REAL_MODE_LIMIT, AR_DATA16 },
		.tr = { 0, 0, REAL_MODE_LIMIT, AR_TSS_BUSY },
	};
}

void x86_boot_state_build(struct vm *vm, u64 entry, struct x86_boot_state *s)
{
	if (vm->from_reset) {
		if (PAGING_SHADOW)	/* the scenario file says so too: this is a backstop */
			panic("vm %s starts in real mode, which shadow paging cannot run", vm->name);
		real_mode_state(entry, s);
		return;
	}

	u64 base = GUEST_RAM_BASE;
	u64 *pml4 = guest_table(vm, BOOT_PML4, PAGE_SIZE);
	u64 *pdpt = guest_table(vm, BOOT_PDPT, PAGE_SIZE);
	u64 *pd = guest_table(vm, BOOT_PD, PAGE_SIZE);
	u64 *gdt = guest_table(vm, BOOT_GDT, GDT_ENTRIES * 8);

	pml4[0] = (base + BOOT_PDPT) | PTE_PRESENT | PTE_WRITABLE;
	pdpt[0] = (base + BOOT_PD) | PTE_PRESENT | PTE_WRITABLE;
	for (u64 i = 0; i < PT_ENTRIES; i++)
		pd[i] = i * LARGE_PAGE | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;
	gdt[SEL_CODE / 8] = GDT_CODE64;
	gdt[SEL_DATA / 8] = GDT_DATA;
	make_tss_descriptor(&gdt[SEL_TSS / 8], base + BOOT_TSS, TSS64_SIZE - 1, TSS_TYPE_BUSY_64);

	*s = (struct x86_boot_state){
		.long_mode = true,
		.rip = entry,
		.rsp = base + GUEST_RAM_SIZE,
		.rflags = RFLAGS_FIXED,			/* IF=0: no interrupts */
		.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG,	/* WP: as any OS */
		.cr3 = base + BOOT_PML4,
		.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT,	/* SSE on, as x86-64 code assumes */
		.efer = EFER_LME | EFER_LMA,
		.gdt_base = base + BOOT_GDT,
		.gdt_limit = GDT_ENTRIES * 8 - 1,
		.code = { SEL_CODE, 0, SEG_LIMIT_4G, DESC_TO_AR(GDT_CODE64) },
		.data = { SEL_DATA, 0, SEG_LIMIT_4G, DESC_TO_AR(GDT_DATA) },
		.tr = { SEL_TSS, base + BOOT_TSS, TSS64_SIZE - 1, AR_TSS64_BUSY },
	};
}
