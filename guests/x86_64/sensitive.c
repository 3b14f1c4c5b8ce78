/* sensitive: Popek and Goldberg's test, run from inside a guest kernel.
 * First instructions that are privileged (they fault outside ring 0, so a
 * monitor can emulate them), then ones that are sensitive but not
 * privileged: in ring 3 they run without a fault and show the real CPU. */
#include "guest.h"

#define RFLAGS_IF		BIT(9)		/* interrupt enable */
#define RFLAGS_IOPL_SHIFT	12		/* I/O privilege level, bits 13:12 */
#define RFLAGS_IOPL		(3ULL << RFLAGS_IOPL_SHIFT)
#define CR0_PE			BIT(0)
#define CR0_TS			BIT(3)		/* task switched */
#define CR0_PG			BIT(31)
#define MSW_BITS		0xffff		/* SMSW stores CR0[15:0] */
#define IA32_EFER		0xc0000080
#define EFER_LME		BIT(8)
#define EFER_LMA		BIT(10)
#define SELECTOR_RPL		3		/* bits 1:0 of a selector */
#define CPUID_1_ECX_HYPERVISOR	BIT(31)

/* This guest's own descriptor tables, loaded with LGDT/LIDT/LLDT/LTR. The
 * code and data descriptors are the ones the hypervisor started it with
 * (arch_x86_64/guest_state.c), so CS=0x08 and SS=0x10 stay valid. */
#define SEL_CODE		0x08
#define SEL_DATA		0x10
#define SEL_LDT			0x28
#define SEL_TSS			0x38
#define GDT_CODE64		0x00af9b000000ffffULL
#define GDT_DATA		0x00cf93000000ffffULL
#define GDT_SLOTS		9		/* null, code, data, 2 unused, LDT (2), TSS (2) */
#define DESC_TYPE_LDT		0x2
#define DESC_TYPE_TSS64		0x9		/* available 64-bit TSS */
#define DESC_PRESENT		BIT(47)
#define TSS64_SIZE		104
#define LDT_SLOTS		2
#define IDT_BYTES		256

struct __attribute__((packed)) table_reg { u16 limit; u64 base; };

static u64 gdt[GDT_SLOTS] __attribute__((aligned(16)));
static u64 ldt[LDT_SLOTS] __attribute__((aligned(16)));
static u8 idt[IDT_BYTES] __attribute__((aligned(16)));
static u8 tss[TSS64_SIZE] __attribute__((aligned(16)));

/* A 16-byte system descriptor (SDM Vol. 3A, 8.2.3): LDT or TSS. */
static void system_descriptor(u64 *d, u64 base, u32 limit, u64 type)
{
	d[0] = (limit & 0xffff) | (base & 0xffffff) << 16 | type << 40 | DESC_PRESENT |
	       (u64)((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	d[1] = base >> 32;
}

static u64 read_rflags(void)
{
	u64 f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static void write_rflags(u64 f)
{
	__asm__ volatile("pushq %0; popfq" : : "r"(f) : "cc", "memory");
}

static u64 read_cr0(void)
{
	u64 v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static void write_cr0(u64 v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

/* Privileged: each faults in ring 3 (#GP), so a monitor sees it. */
static void privileged_checks(void)
{
	u64 cr0 = read_cr0();

	printf("DEMO: privileged instructions: each faults outside ring 0, so a monitor can emulate it\n");
	check(uart_status() != 0, "IN from the UART's line status register reads it");
	check((cr0 & (CR0_PE | CR0_PG)) == (CR0_PE | CR0_PG),
	      "MOV from CR0 shows protection and paging on (CR0=0x%lx)", cr0);
	write_cr0(cr0 | CR0_TS);
	check(read_cr0() & CR0_TS, "MOV to CR0 sets CR0.TS and MOV from CR0 reads it back");
	__asm__ volatile("clts");
	check(!(read_cr0() & CR0_TS), "CLTS clears CR0.TS");
	u64 efer = rdmsr(IA32_EFER);
	check((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
	      "RDMSR of IA32_EFER shows long mode (EFER=0x%lx)", efer);
	__asm__ volatile("cli");
	check(hypercall(HC_VERSION, 0, 0, 0) == HC_ABI_VERSION, "CLI returns; the hypercall still answers");
}

/* POPF from ring 3 with IOPL 0 ignores IF and IOPL without a fault
 * (SDM Vol. 2B, "POPF"); PUSHF shows the real flags. */
static void flags_checks(void)
{
	write_rflags(read_rflags() & ~RFLAGS_IF);
	unsigned if_after = !!(read_rflags() & RFLAGS_IF);
	printf("DEMO: popf: guest set IF=0, CPU %s IF=%u, no trap\n",
	       if_after ? "kept" : "has", if_after);
	check(!if_after, "popf: IF=0 written by POPF reads back 0");

	__asm__ volatile("cli");
	if_after = !!(read_rflags() & RFLAGS_IF);
	printf("DEMO: pushf: guest executed CLI, PUSHF shows IF=%u\n", if_after);
	check(!if_after, "pushf: after CLI, PUSHF shows IF=0");

	write_rflags(read_rflags() | RFLAGS_IOPL);
	unsigned iopl = (read_rflags() & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT;
	write_rflags(read_rflags() & ~RFLAGS_IOPL);
	printf("DEMO: popf: guest set IOPL=3, CPU %s IOPL=%u, no trap\n",
	       iopl == 3 ? "has" : "kept", iopl);
	check(iopl == 3, "popf: IOPL=3 written by POPF reads back 3");
}

/* LGDT, LIDT, LLDT, LTR are privileged; SGDT, SIDT, SLDT, STR and SMSW are
 * not (unless CR4.UMIP is set): they read back what the CPU really holds. */
static void descriptor_table_checks(void)
{
	struct table_reg want_gdt = { sizeof(gdt) - 1, (u64)gdt }, got_gdt;
	struct table_reg want_idt = { sizeof(idt) - 1, (u64)idt }, got_idt;
	u16 ldtr, tr;

	gdt[SEL_CODE / 8] = GDT_CODE64;
	gdt[SEL_DATA / 8] = GDT_DATA;
	system_descriptor(&gdt[SEL_LDT / 8], (u64)ldt, sizeof(ldt) - 1, DESC_TYPE_LDT);
	system_descriptor(&gdt[SEL_TSS / 8], (u64)tss, sizeof(tss) - 1, DESC_TYPE_TSS64);

	__asm__ volatile("lgdt %0" : : "m"(want_gdt));
	__asm__ volatile("sgdt %0" : "=m"(got_gdt));
	printf("DEMO: sgdt: guest loaded GDTR base=0x%lx, SGDT reads base=0x%lx, no trap\n",
	       want_gdt.base, got_gdt.base);
	check(got_gdt.base == want_gdt.base && got_gdt.limit == want_gdt.limit,
	      "sgdt: reads back the GDTR loaded by LGDT");

	__asm__ volatile("lidt %0" : : "m"(want_idt));
	__asm__ volatile("sidt %0" : "=m"(got_idt));
	printf("DEMO: sidt: guest loaded IDTR base=0x%lx, SIDT reads base=0x%lx, no trap\n",
	       want_idt.base, got_idt.base);
	check(got_idt.base == want_idt.base && got_idt.limit == want_idt.limit,
	      "sidt: reads back the IDTR loaded by LIDT");

	__asm__ volatile("lldt %w0" : : "r"((u16)SEL_LDT));
	__asm__ volatile("sldt %w0" : "=r"(ldtr));
	printf("DEMO: sldt: guest loaded LDTR=0x%x, SLDT reads 0x%x, no trap\n", SEL_LDT, ldtr);
	check(ldtr == SEL_LDT, "sldt: reads back the LDTR loaded by LLDT");

	__asm__ volatile("ltr %w0" : : "r"((u16)SEL_TSS));
	__asm__ volatile("str %w0" : "=r"(tr));
	printf("DEMO: str: guest loaded TR=0x%x, STR reads 0x%x, no trap\n", SEL_TSS, tr);
	check(tr == SEL_TSS, "str: reads back the TR loaded by LTR");
}

static void machine_status_check(void)
{
	u64 cr0 = read_cr0() | CR0_TS;
	u16 msw;

	write_cr0(cr0);
	__asm__ volatile("smsw %w0" : "=r"(msw));
	__asm__ volatile("clts");
	printf("DEMO: smsw: guest set CR0=0x%lx (TS=1), SMSW reads 0x%x, no trap\n", cr0, msw);
	check(msw == (cr0 & MSW_BITS), "smsw: reads CR0[15:0] as MOV to CR0 left it");
}

/* A selector's RPL names the ring its code runs in: the guest kernel's is 0. */
static void ring_checks(void)
{
	u16 cs, ss;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	__asm__ volatile("mov %%ss, %0" : "=r"(ss));
	printf("DEMO: cs/ss: guest kernel expects ring 0, CS=0x%x SS=0x%x say ring %u, no trap\n",
	       cs, ss, cs & SELECTOR_RPL);
	check((cs & SELECTOR_RPL) == 0, "cs: RPL is 0");
	check((ss & SELECTOR_RPL) == 0, "ss: RPL is 0");
}

/* CPUID runs in any ring, and only a hypervisor that intercepts it can
 * set the "hypervisor present" bit. */
static void cpuid_check(void)
{
	u32 a = 1, b, c, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d) : "c"(0));
	printf("DEMO: cpuid: CPUID.1:ECX.hypervisor[bit 31] = %u; CPUID faults in no ring, "
	       "only VT-x/AMD-V intercept it\n",
	       !!(c & CPUID_1_ECX_HYPERVISOR));
	check(c & CPUID_1_ECX_HYPERVISOR, "cpuid: the hypervisor bit is set");
}

int main(void)
{
	privileged_checks();
	printf("DEMO: sensitive but unprivileged instructions: no fault in ring 3\n");
	flags_checks();
	descriptor_table_checks();
	machine_status_check();
	ring_checks();
	cpuid_check();
	return summary();
}
