/* paging: a page-table-heavy guest. It builds several address spaces of its
 * own, switches CR3 between them, maps, remaps and aliases pages, checks the
 * accessed and dirty bits, and provokes page faults on purpose (not present,
 * read-only, a reserved bit set), checking the error code the CPU reports.
 * With two-level paging (EPT/NPT) the CPU does all of this alone; a
 * hypervisor that keeps shadow page tables must get every case right. */
#include "guest.h"

#define SPACES		4
#define WINDOW		0x40000000ULL	/* VA 1 GiB: each space's own pages */
#define PT_ENTRIES	512
#define LARGE_PAGE	(2 * MiB)
#define PTE_P		BIT(0)
#define PTE_W		BIT(1)
#define PTE_PS		BIT(7)
#define PTE_A		BIT(5)
#define PTE_D		BIT(6)
#define PF_P		BIT(0)		/* #PF error code: protection, not absence */
#define PF_W		BIT(1)		/* a write */
#define PF_RSVD		BIT(3)		/* a reserved bit was set */
#define VECTOR_PF	14
#define IDT_GATE_INTERRUPT 0x8e		/* present, DPL 0, 64-bit interrupt gate */
#define SWITCHES	1000
#define RECURSIVE_SLOT	511		/* PML4[511] points at the PML4 itself */
#define CPUID_ADDR_SIZES 0x80000008	/* EAX[7:0]: physical address bits */
#define CR0_WP		BIT(16)		/* ring 0 honours read-only pages too */

typedef u64 table_t[PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static table_t pml4[SPACES], pdpt[SPACES], pd_window[SPACES], pt_window[SPACES], pd_low;
static u8 pool[12][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

struct idt_gate { u16 off0, sel; u8 ist, type; u16 off1; u32 off2, zero; };
static struct idt_gate idt[PT_ENTRIES / 2] __attribute__((aligned(16)));

struct fault_frame { u64 error, rip, cs, rflags, rsp, ss; };
static struct { unsigned count; u64 error, cr2; } last_fault;

u64 probe_read(u64 va, u64 *value);
u64 probe_write(u64 va, u64 value);
extern char probe_read_insn[], probe_write_insn[], probe_fixup[], page_fault_entry[];

static u64 read_cr2(void) { u64 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static void write_cr3(u64 v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static void invlpg(u64 va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
/* The page-table entry of `va` in space s; volatile, because the CPU reads
 * (and sets A/D bits in) what the compiler thinks is ordinary memory. */
static volatile u64 *pte(int s, u64 va) { return &pt_window[s][(va - WINDOW) / PAGE_SIZE]; }

/* Called from page_fault_entry: a probe's fault is recorded and the probe
 * returns 1; any other #PF is a bug in this guest, reported as such. */
void page_fault(struct fault_frame *f)
{
	if (f->rip != (u64)probe_read_insn && f->rip != (u64)probe_write_insn) {
		printf("FAIL: unexpected page fault at rip 0x%lx, cr2 0x%lx\n", f->rip, read_cr2());
		f->rip = (u64)probe_fixup;
	}
	last_fault.count++;
	last_fault.error = f->error;
	last_fault.cr2 = read_cr2();
	f->rip = (u64)probe_fixup;
}

static void install_page_fault_handler(void)
{
	u64 h = (u64)page_fault_entry;
	u16 cs;
	struct { u16 limit; u64 base; } __attribute__((packed)) idtr = { sizeof(idt) - 1, (u64)idt };

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	idt[VECTOR_PF] = (struct idt_gate){ h & 0xffff, cs, 0, IDT_GATE_INTERRUPT, (h >> 16) & 0xffff,
					    h >> 32, 0 };
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* Every space: the first GiB identity-mapped (shared), and a window at
 * 1 GiB with 4 KiB pages of its own. */
static void build_spaces(void)
{
	for (u64 i = 0; i < PT_ENTRIES; i++)
		pd_low[i] = i * LARGE_PAGE | PTE_P | PTE_W | PTE_PS;
	for (int s = 0; s < SPACES; s++) {
		pml4[s][0] = (u64)pdpt[s] | PTE_P | PTE_W;
		pml4[s][RECURSIVE_SLOT] = (u64)pml4[s] | PTE_P | PTE_W;
		pdpt[s][0] = (u64)pd_low | PTE_P | PTE_W;
		pdpt[s][1] = (u64)pd_window[s] | PTE_P | PTE_W;
		pd_window[s][0] = (u64)pt_window[s] | PTE_P | PTE_W;
		*pte(s, WINDOW) = (u64)pool[s] | PTE_P | PTE_W;
	}
}

static void check_private_pages(void)
{
	bool ok = true;

	for (int s = 0; s < SPACES; s++) {
		write_cr3((u64)pml4[s]);
		*(volatile u64 *)WINDOW = 0x5eed0000ULL + s;
	}
	for (int round = 0; round < SWITCHES; round++) {
		int s = round % SPACES;
		write_cr3((u64)pml4[s]);
		ok &= *(volatile u64 *)WINDOW == 0x5eed0000ULL + s;
	}
	check(ok, "%d address spaces each see their own page at 0x%llx over %d CR3 switches",
	      SPACES, WINDOW, SWITCHES);
}

static void check_alias(void)
{
	*pte(0, WINDOW + 0x1000) = (u64)pool[8] | PTE_P | PTE_W;
	*pte(1, WINDOW + 0x5000) = (u64)pool[8] | PTE_P | PTE_W;
	write_cr3((u64)pml4[0]);
	*(volatile u64 *)(WINDOW + 0x1000) = 0xa11a5;
	write_cr3((u64)pml4[1]);
	check(*(volatile u64 *)(WINDOW + 0x5000) == 0xa11a5,
	      "a page written through one space reads back through another mapping of it");
}

static void check_remap(void)
{
	u64 va = WINDOW + 0x2000;

	*(u64 *)pool[9] = 9, *(u64 *)pool[10] = 10;
	write_cr3((u64)pml4[0]);
	*pte(0, va) = (u64)pool[9] | PTE_P | PTE_W;
	u64 before = *(volatile u64 *)va;		/* now in the TLB */
	*pte(0, va) = (u64)pool[10] | PTE_P | PTE_W;
	invlpg(va);
	check(before == 9 && *(volatile u64 *)va == 10, "INVLPG makes a remapped page visible");
}

static void check_accessed_dirty(void)
{
	u64 va = WINDOW + 0x3000;
	volatile u64 *e = pte(0, va);

	write_cr3((u64)pml4[0]);
	*e = (u64)pool[11] | PTE_P | PTE_W;
	invlpg(va);
	(void)*(volatile u64 *)va;
	bool read_ok = (*e & PTE_A) && !(*e & PTE_D);
	*(volatile u64 *)va = 1;
	check(read_ok && (*e & PTE_D), "a read sets the accessed bit, a write the dirty bit");
}

/* Provoke one page fault at `va`; returns its error code, or ~0 if none. */
static u64 fault_on(bool write, u64 va)
{
	u64 value, before = last_fault.count;

	if ((write ? probe_write(va, 1) : probe_read(va, &value)) == 0 || last_fault.count == before)
		return ~0ULL;
	return last_fault.cr2 == va ? last_fault.error : ~0ULL;
}

static void check_faults(void)
{
	u64 va = WINDOW + 0x4000, err;
	volatile u64 *e = pte(0, va);
	u32 a, b, c, d;

	write_cr3((u64)pml4[0]);
	*e = 0;
	invlpg(va);
	err = fault_on(false, va);
	check(err != ~0ULL && !(err & PF_P), "a not-present page faults (error 0x%lx: P=0)", err);

	*e = (u64)pool[11] | PTE_P;		/* read-only */
	invlpg(va);
	err = fault_on(true, va);
	check(err != ~0ULL && (err & PF_P) && (err & PF_W),
	      "a write to a read-only page faults (error 0x%lx: P=1 W=1)", err);

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(CPUID_ADDR_SIZES));
	*e = (u64)pool[11] | PTE_P | PTE_W | BIT(a & 0xff);	/* above MAXPHYADDR: reserved */
	invlpg(va);
	err = fault_on(false, va);
	check(err != ~0ULL && (err & PF_RSVD),
	      "a reserved address bit (bit %u) faults (error 0x%lx: RSVD=1)", a & 0xff, err);
}

/* A page directory entry pointing at a "page table" 1 GiB up, far past
 * this guest's RAM. On a PC, memory that is not there reads as all ones:
 * an entry with reserved bits set, so the walk ends in a #PF with RSVD=1. */
static void check_table_outside_ram(void)
{
	u64 va = WINDOW + LARGE_PAGE, err;	/* served by pd_window[0][1] */

	write_cr3((u64)pml4[0]);
	pd_window[0][1] = GiB | PTE_P | PTE_W;
	invlpg(va);
	err = fault_on(false, va);
	check(err != ~0ULL && (err & PF_RSVD) && (err & PF_P),
	      "a page table outside guest RAM reads as all ones (error 0x%lx: P=1 RSVD=1)", err);
	pd_window[0][1] = 0;
	invlpg(va);
}

/* PML4[511] points at the PML4 itself: walking through it four times
 * lands on the PML4, so this address reads the table's own entries. */
static void check_recursive(void)
{
	u64 self = 0xfffffffffffff000ULL;	/* indices 511, 511, 511, 511, offset 0 */

	write_cr3((u64)pml4[2]);
	check(*(volatile u64 *)self == pml4[2][0],
	      "a table pointing at itself is followed like any other (recursive mapping)");
}

static void enable_write_protect(void)
{
	u64 cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_WP) : "memory");
}

/* The lesson's measurement: the cost of N address-space switches, each
 * followed by a touch of the new space's page. With EPT/NPT a switch is one
 * MOV to CR3; with shadow paging it empties the shadow tables, and the touch
 * faults to the hypervisor to refill them. */
static const unsigned sweep[] = { 0, 50, 100, 200, 400 };

static void measure_switches(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(sweep); i++) {
		u64 start = counter_read();
		for (unsigned n = 0; n < sweep[i]; n++) {
			write_cr3((u64)pml4[n % SPACES]);
			(void)*(volatile u64 *)WINDOW;
		}
		printf("BENCH: paging_switches_%u ticks=%lu iterations=%u freq=%lu\n", sweep[i],
		       counter_read() - start, sweep[i], counter_freq());
	}
	printf("guest page faults: %u\n", last_fault.count);	/* the ones provoked above */
}

int main(void)
{
	u64 start = counter_read();

	enable_write_protect();		/* as every OS does: W=0 then binds the kernel too */
	install_page_fault_handler();
	build_spaces();
	check_private_pages();
	check_alias();
	check_remap();
	check_accessed_dirty();
	check_faults();
	check_recursive();
	check_table_outside_ram();
	measure_switches();
	write_cr3((u64)pml4[0]);
	printf("BENCH: paging_total ticks=%lu iterations=1 freq=%lu\n", counter_read() - start,
	       counter_freq());
	return summary();
}
