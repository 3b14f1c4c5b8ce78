/* x86-escape: a hostile guest beside a victim VM (two-guests). It tries
 * the instructions a guest must not reach the real CPU with: SVM's
 * VMRUN, VMLOAD, VMSAVE (host-physical addresses), STGI, CLGI (the global
 * interrupt flag: no more time slices for anyone), SKINIT, INVLPGA, the
 * VMX instructions, GETSEC, MONITOR/MWAIT, INVD; then hypercalls from
 * ring 3. Its CPUID shows neither VMX nor SVM, so each must be #UD, as on
 * a CPU without them (INVD: done, as WBINVD); a hypercall from ring 3 must
 * be refused (HC_ERR_PERM) and do nothing. Then what a hypervisor must get
 * right for any guest: prefixed instructions it steps over, IA32_EFER's
 * rules, execute-disable pages. Its own IDT counts the faults. */
#include "guest.h"

#define VECTOR_UD		6
#define VECTOR_GP		13
#define VECTOR_PF		14
#define VECTOR_USER_RETURN	0x81	/* INT 0x81: ring 3 is done */
#define GATE_INTERRUPT		0x8e	/* present, DPL 0, 64-bit interrupt gate */
#define GATE_INTERRUPT_USER	0xee	/* the same, DPL 3: INT n from ring 3 */
#define SEL_KERNEL_CS		0x08	/* as the hypervisor started us */
#define SEL_TSS			0x28
#define GDT_CODE64		0x00af9b000000ffffULL
#define GDT_DATA		0x00cf93000000ffffULL
#define GDT_USER_CODE64		0x00affb000000ffffULL	/* DPL 3 */
#define GDT_USER_DATA		0x00cff3000000ffffULL	/* DPL 3 */
#define DESC_TYPE_TSS64		0x9ULL	/* available 64-bit TSS */
#define DESC_PRESENT		BIT(47)
#define TSS64_SIZE		104
#define TSS_RSP0		4	/* byte offset of RSP0 */
#define PT_ENTRIES		512
#define LARGE_PAGE		(2 * MiB)
#define PTE_P			BIT(0)
#define PTE_W			BIT(1)
#define PTE_U			BIT(2)
#define PTE_PS			BIT(7)
#define STACK_BYTES		4096
#define PTE_XD			BIT(63)	/* execute-disable, with EFER.NXE */
#define PF_ERR_P		BIT(0)	/* #PF error code: protection, not absence */
#define PF_ERR_RSVD		BIT(3)	/* a reserved bit was set */
#define PF_ERR_I		BIT(4)	/* an instruction fetch */
#define IA32_EFER		0xc0000080
#define EFER_RESERVED_BIT	BIT(2)
#define EFER_LME		BIT(8)
#define EFER_LMA		BIT(10)
#define EFER_NXE		BIT(11)
#define EFER_SVME		BIT(12)
#define OP_RET			0xc3
#define CLGI_SPIN_MS		30	/* long enough for several time slices */

struct trap_frame { u64 vector, error, rip, cs, rflags, rsp, ss; };
struct idt_gate { u16 off0, sel; u8 ist, type; u16 off1; u32 off2, zero; };
typedef u64 table_t[PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));

u64 resume_rip, resume_rsp;	/* where the next expected fault resumes */
static struct { unsigned count; u64 vector, error, rip, cr2; } last;

static struct idt_gate idt[256] __attribute__((aligned(16)));
static u64 gdt[7] __attribute__((aligned(16)));
static u8 tss[TSS64_SIZE] __attribute__((aligned(16)));
static table_t pml4, pdpt, pd;
static u8 kernel_stack[STACK_BYTES] __attribute__((aligned(16)));
static u8 user_stack[STACK_BYTES] __attribute__((aligned(16)));
static u8 scratch[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

extern char ud_entry[], gp_entry[], pf_entry[], user_return_entry[];
u64 try_call(void (*fn)(void));
void run_user(void (*fn)(void), u64 stack_top);

/* Every fault lands here: note it, and resume where the test said. */
void trap(struct trap_frame *f)
{
	last.count++;
	last.vector = f->vector, last.error = f->error, last.rip = f->rip;
	if (f->vector == VECTOR_PF)
		__asm__ volatile("mov %%cr2, %0" : "=r"(last.cr2));
	f->rip = resume_rip;
	f->rsp = resume_rsp;
}

/* ---- setting up: descriptor tables, a TSS, page tables ring 3 may use ---- */

static void set_gate(unsigned vector, void *handler, u8 type)
{
	u64 h = (u64)handler;

	idt[vector] = (struct idt_gate){ h & 0xffff, SEL_KERNEL_CS, 0, type, (h >> 16) & 0xffff,
					 h >> 32, 0 };
}

static void setup(void)
{
	struct __attribute__((packed)) { u16 limit; u64 base; } gdtr = { sizeof(gdt) - 1, (u64)gdt },
		idtr = { sizeof(idt) - 1, (u64)idt };
	u64 base = (u64)tss, rsp0 = (u64)kernel_stack + STACK_BYTES;

	gdt[1] = GDT_CODE64, gdt[2] = GDT_DATA;
	gdt[3] = GDT_USER_CODE64, gdt[4] = GDT_USER_DATA;
	gdt[5] = (TSS64_SIZE - 1) | (base & 0xffffff) << 16 | DESC_TYPE_TSS64 << 40 |
		 DESC_PRESENT | ((base >> 24) & 0xff) << 56;
	gdt[6] = base >> 32;
	memcpy(&tss[TSS_RSP0], &rsp0, sizeof(rsp0));
	set_gate(VECTOR_UD, ud_entry, GATE_INTERRUPT);
	set_gate(VECTOR_GP, gp_entry, GATE_INTERRUPT);
	set_gate(VECTOR_PF, pf_entry, GATE_INTERRUPT);
	set_gate(VECTOR_USER_RETURN, user_return_entry, GATE_INTERRUPT_USER);
	__asm__ volatile("lgdt %0; lidt %1; ltr %w2" : : "m"(gdtr), "m"(idtr), "r"(SEL_TSS) : "memory");
	/* The first GiB, identity-mapped as the hypervisor's tables do, but
	 * with U set: ring 3 runs in this image too. */
	for (u64 i = 0; i < PT_ENTRIES; i++)
		pd[i] = i * LARGE_PAGE | PTE_P | PTE_W | PTE_U | PTE_PS;
	pdpt[0] = (u64)pd | PTE_P | PTE_W | PTE_U;
	pml4[0] = (u64)pdpt | PTE_P | PTE_W | PTE_U;
	__asm__ volatile("mov %0, %%cr3" : : "r"((u64)pml4) : "memory");
}

/* ---- 1. instructions that must not reach the real CPU ---- */

/* Resume at label 1 after a fault; `at` gets the instruction's address. */
#define TRY_AT	"lea 1f(%%rip), %%r11\n mov %%r11, resume_rip(%%rip)\n mov %%rsp, resume_rsp(%%rip)\n" \
		"lea 0f(%%rip), %[at]\n0: "
#define TRY_END	"\n1:"

/* Each of these is one instruction that must raise #UD where it stands. */
#define UD_TEST(name, insn, ...)						\
static u64 name(void)								\
{										\
	u64 at;									\
	__asm__ volatile(TRY_AT insn TRY_END : [at] "=&r"(at) : __VA_ARGS__ : "r11", "memory"); \
	return at;								\
}

UD_TEST(do_vmrun, "vmrun", "a"((u64)scratch))
UD_TEST(do_vmload, "vmload", "a"((u64)scratch))
UD_TEST(do_vmsave, "vmsave", "a"((u64)scratch))
UD_TEST(do_stgi, "stgi", "i"(0))
UD_TEST(do_clgi, "clgi", "i"(0))
UD_TEST(do_skinit, "skinit", "a"((u64)scratch))
UD_TEST(do_invlpga, "invlpga %%rax, %%ecx", "a"((u64)scratch), "c"(0))
UD_TEST(do_vmxon, "vmxon (%%rax)", "a"((u64)scratch))
UD_TEST(do_vmclear, "vmclear (%%rax)", "a"((u64)scratch))
UD_TEST(do_vmptrld, "vmptrld (%%rax)", "a"((u64)scratch))
UD_TEST(do_vmptrst, "vmptrst (%%rax)", "a"((u64)scratch))
UD_TEST(do_vmread, "vmread %%rax, %%rcx", "a"(0ULL), "c"(0ULL))
UD_TEST(do_vmwrite, "vmwrite %%rcx, %%rax", "a"(0ULL), "c"(0ULL))
UD_TEST(do_vmlaunch, "vmlaunch", "i"(0))
UD_TEST(do_vmresume, "vmresume", "i"(0))
UD_TEST(do_vmxoff, "vmxoff", "i"(0))
UD_TEST(do_invept, "invept (%%rax), %%rcx", "a"((u64)scratch), "c"(1ULL))
UD_TEST(do_invvpid, "invvpid (%%rax), %%rcx", "a"((u64)scratch), "c"(1ULL))
UD_TEST(do_vmfunc, "vmfunc", "a"(0ULL), "c"(0ULL))
UD_TEST(do_getsec, "getsec", "a"(0ULL))
UD_TEST(do_monitor, "monitor", "a"((u64)scratch), "c"(0ULL), "d"(0ULL))
UD_TEST(do_mwait, "mwait", "a"(0ULL), "c"(0ULL))

static const struct { const char *name; u64 (*run)(void); } undefined[] = {
	{ "VMLOAD", do_vmload }, { "VMSAVE", do_vmsave },
	{ "STGI", do_stgi }, { "CLGI", do_clgi }, { "SKINIT", do_skinit },
	{ "INVLPGA", do_invlpga }, { "VMXON", do_vmxon }, { "VMCLEAR", do_vmclear },
	{ "VMPTRLD", do_vmptrld }, { "VMPTRST", do_vmptrst }, { "VMREAD", do_vmread },
	{ "VMWRITE", do_vmwrite }, { "VMLAUNCH", do_vmlaunch }, { "VMRESUME", do_vmresume },
	{ "VMXOFF", do_vmxoff }, { "INVEPT", do_invept }, { "INVVPID", do_invvpid },
	{ "VMFUNC", do_vmfunc }, { "GETSEC", do_getsec }, { "MONITOR", do_monitor },
	{ "MWAIT", do_mwait }, { "VMRUN", do_vmrun },
};

static u16 selectors(void)	/* LDTR and TR: what a VMLOAD would replace */
{
	u16 ldtr, tr;

	__asm__ volatile("sldt %0; str %1" : "=r"(ldtr), "=r"(tr));
	return ldtr ^ (u16)(tr << 3);
}

static void check_undefined(void)
{
	static const u8 pattern = 0x5a;
	u16 before = selectors();

	memset(scratch, pattern, sizeof(scratch));
	for (unsigned i = 0; i < ARRAY_SIZE(undefined); i++) {
		unsigned count = last.count;
		u64 at = undefined[i].run();
		check(last.count == count + 1 && last.vector == VECTOR_UD && last.rip == at,
		      "%s raises #UD, as on a CPU without VMX and SVM", undefined[i].name);
	}
	bool kept = selectors() == before;
	for (unsigned i = 0; i < sizeof(scratch); i++)
		kept &= scratch[i] == pattern;
	check(kept, "VMLOAD and VMSAVE moved nothing: LDTR, TR and the page at RAX unchanged");
}

static void check_invd(void)
{
	unsigned count = last.count;
	u64 at;

	__asm__ volatile(TRY_AT "invd" TRY_END : [at] "=&r"(at) : : "r11", "memory");
	check(last.count == count, "INVD is done as WBINVD: no fault, and the guest goes on");
}

/* CLGI, were it not refused, would hold the timer's interrupt: neither VM
 * would lose the CPU while this one spins. */
static void check_still_preempted(void)
{
	do_clgi();
	u64 gaps = spin_counting_gaps(CLGI_SPIN_MS, NULL);
	do_stgi();
	check(gaps > 0, "after CLGI the CPU was still taken away %lu times (the victim ran)", gaps);
}

/* ---- 2. hypercalls from ring 3 ---- */

static const char forged[] = "FORGED: printed by ring 3";
static volatile s64 user_puts, user_exit, user_id;

static void user_code(void)
{
	user_puts = hypercall(HC_PUTS, (u64)forged, sizeof(forged) - 1, 0);
	user_exit = hypercall(HC_EXIT, 99, 0, 0);
	user_id = hypercall(HC_VM_ID, 0, 0, 0);
	__asm__ volatile("int $0x81");
}

static void check_user_hypercalls(void)
{
	run_user(user_code, (u64)user_stack + STACK_BYTES);
	check(user_puts == HC_ERR_PERM, "HC_PUTS from ring 3 -> HC_ERR_PERM (%ld), nothing printed",
	      user_puts);
	check(user_exit == HC_ERR_PERM, "HC_EXIT from ring 3 -> HC_ERR_PERM, the VM goes on");
	check(user_id == HC_ERR_PERM, "HC_VM_ID from ring 3 -> HC_ERR_PERM");
	check(hypercall(HC_VM_ID, 0, 0, 0) == 0, "back in ring 0, HC_VM_ID answers again");
}

/* ---- 3. prefixed instructions the hypervisor steps over ---- */

/* The instruction, then a UD2 (label 2) followed by bytes that make any
 * landing inside the instruction fault elsewhere: right after it, the
 * next fault is #UD at label 2. */
#define PREFIXED(insn)	TRY_AT "lea 2f(%%rip), %[at]\n" insn "\n2: ud2\n .fill 8, 1, 0xff" TRY_END

static bool resumed_after(unsigned count, u64 at)
{
	return last.count == count + 1 && last.vector == VECTOR_UD && last.rip == at;
}

static void check_prefixed(void)
{
	unsigned count = last.count;
	u64 at, rax, rbx, rcx, rdx;

	if (use_vmmcall)
		__asm__ volatile(PREFIXED(".byte 0x2e; vmmcall") : [at] "=&r"(at), "=a"(rax)
				 : "a"((u64)HC_ECHO), "D"(1ULL), "S"(10ULL), "d"(100ULL) : "r11", "memory");
	else
		__asm__ volatile(PREFIXED(".byte 0x2e; vmcall") : [at] "=&r"(at), "=a"(rax)
				 : "a"((u64)HC_ECHO), "D"(1ULL), "S"(10ULL), "d"(100ULL) : "r11", "memory");
	check(resumed_after(count, at) && rax == 321,
	      "CS-prefixed %s: HC_ECHO answers 321 and RIP resumes right after it",
	      use_vmmcall ? "VMMCALL" : "VMCALL");
	count = last.count;
	__asm__ volatile(PREFIXED(".byte 0x2e; cpuid") : [at] "=&r"(at), "=a"(rax), "=b"(rbx),
			 "=c"(rcx), "=d"(rdx) : "a"(0ULL), "c"(0ULL), "D"((u64)scratch) : "r11", "memory");
	check(resumed_after(count, at), "CS-prefixed CPUID resumes right after it");
	count = last.count;
	__asm__ volatile(PREFIXED(".byte 0x48; rdmsr") : [at] "=&r"(at), "=a"(rax), "=d"(rdx)
			 : "c"(IA32_EFER), "D"((u64)scratch) : "r11", "memory");
	check(resumed_after(count, at), "REX.W-prefixed RDMSR resumes right after it");
	count = last.count;
	__asm__ volatile(PREFIXED(".byte 0x2e; invd") : [at] "=&r"(at)
			 : "c"(0ULL), "D"((u64)scratch) : "r11", "memory");
	check(resumed_after(count, at), "CS-prefixed INVD resumes right after it");
}

/* ---- 4. IA32_EFER, written as a kernel would ---- */

static u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

/* WRMSR; true if it raised #GP (RIP then stays at the WRMSR). */
static bool wrmsr_faults(u32 msr, u64 value)
{
	unsigned count = last.count;
	u64 at;

	__asm__ volatile(TRY_AT "wrmsr" TRY_END : [at] "=&r"(at)
			 : "c"(msr), "a"((u32)value), "d"((u32)(value >> 32)) : "r11", "memory");
	return last.count == count + 1 && last.vector == VECTOR_GP && last.rip == at &&
	       last.error == 0;
}

static void check_efer(void)
{
	u64 efer = rdmsr(IA32_EFER);

	check(!wrmsr_faults(IA32_EFER, efer) && rdmsr(IA32_EFER) == efer,
	      "IA32_EFER written back as read (LMA=1 included) is accepted");
	check(!wrmsr_faults(IA32_EFER, efer | EFER_NXE) && rdmsr(IA32_EFER) == (efer | EFER_NXE),
	      "read-modify-write sets EFER.NXE");
	efer |= EFER_NXE;
	check(!wrmsr_faults(IA32_EFER, efer & ~EFER_LMA) && rdmsr(IA32_EFER) == efer,
	      "LMA written as 0 is ignored: it is the CPU's");
	check(wrmsr_faults(IA32_EFER, efer & ~EFER_LME) && rdmsr(IA32_EFER) == efer,
	      "clearing EFER.LME while paging is on -> #GP(0), EFER unchanged");
	check(wrmsr_faults(IA32_EFER, efer | EFER_RESERVED_BIT), "reserved EFER bit 2 -> #GP(0)");
	check(wrmsr_faults(IA32_EFER, efer | EFER_SVME) && rdmsr(IA32_EFER) == efer,
	      "EFER.SVME (no SVM in CPUID) -> #GP(0)");
}

/* ---- 5. execute-disable pages ---- */

static table_t pt_split;		/* one 2 MiB region in 4 KiB pages */
static u8 xd_code[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void load_cr3(void)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"((u64)pml4) : "memory");
}

static u8 probe_read(const volatile u8 *p)
{
	u8 v = 0;
	u64 at;

	__asm__ volatile(TRY_AT "movb (%[p]), %[v]" TRY_END : [at] "=&r"(at), [v] "+q"(v)
			 : [p] "r"(p) : "r11", "memory");
	return v;
}

static void check_xd(void)
{
	u64 region = (u64)xd_code & ~(LARGE_PAGE - 1), slot = ((u64)xd_code - region) / PAGE_SIZE;
	unsigned count;

	xd_code[0] = OP_RET;
	for (u64 i = 0; i < PT_ENTRIES; i++)
		pt_split[i] = (region + i * PAGE_SIZE) | PTE_P | PTE_W | PTE_U;
	pt_split[slot] |= PTE_XD;
	pd[region / LARGE_PAGE] = (u64)pt_split | PTE_P | PTE_W | PTE_U;
	load_cr3();

	count = last.count;
	try_call((void (*)(void))xd_code);
	check(last.count == count + 1 && last.vector == VECTOR_PF && last.cr2 == (u64)xd_code &&
	      (last.error & (PF_ERR_P | PF_ERR_I)) == (PF_ERR_P | PF_ERR_I),
	      "a call into an XD page -> #PF at it, error code 0x%lx (P, I/D)", last.error);
	count = last.count;
	check(probe_read(xd_code) == OP_RET && last.count == count, "the XD page still reads as data");

	wrmsr_faults(IA32_EFER, rdmsr(IA32_EFER) & ~EFER_NXE);
	load_cr3();
	count = last.count;
	probe_read(xd_code);
	check(last.count == count + 1 && last.vector == VECTOR_PF && (last.error & PF_ERR_RSVD),
	      "XD set with EFER.NXE clear is a reserved bit: #PF, error code 0x%lx (RSVD)",
	      last.error);
	pt_split[slot] &= ~PTE_XD;
	load_cr3();
}

int main(void)
{
	setup();
	check_still_preempted();	/* first: while the victim still spins */
	check_undefined();
	check_invd();
	check_user_hypercalls();
	check_prefixed();
	check_efer();
	check_xd();
	return summary();
}
