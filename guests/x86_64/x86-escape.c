/* x86-escape: a hostile guest beside a victim VM (two-guests). It tries
 * the instructions a guest must not reach the real CPU with: SVM's
 * VMRUN, VMLOAD, VMSAVE (host-physical addresses), STGI, CLGI (the global
 * interrupt flag: no more time slices for anyone), SKINIT, INVLPGA, the
 * VMX instructions, GETSEC, MONITOR/MWAIT, INVD; then hypercalls from
 * ring 3. Its CPUID shows neither VMX nor SVM, so each must be #UD, as on
 * a CPU without them (INVD: done, as WBINVD); a hypercall from ring 3 must
 * be refused (HC_ERR_PERM) and do nothing. Its own IDT counts the faults. */
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

int main(void)
{
	setup();
	check_still_preempted();	/* first: while the victim still spins */
	check_undefined();
	check_invd();
	check_user_hypercalls();
	return summary();
}
