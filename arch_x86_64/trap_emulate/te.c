/* Trap and emulate without hardware help: the guest kernel runs in ring 3
 * with IOPL 0, so its privileged instructions fault into this monitor,
 * which emulates them on a virtual CPU state (te.h). A third back end
 * beside VT-x and AMD-V, behind the same table (backend.h). */
#include "arch.h"
#include "config.h"
#include "console.h"
#include "cpu.h"
#include "guest_state.h"
#include "segments.h"
#include "te.h"
#include "x86.h"

/* Page-table entry bits (SDM Vol. 3A, 4.5, table 4-19/4-18) */

#define RFLAGS_IF	BIT(9)	/* interrupt enable */
#define EXCEPTION_VECTORS	32
#define VECTOR_DOUBLE_FAULT	8	/* keeps cpu.c's gate, on its own IST stack */
#define TRAP_STACK_SIZE	8192

/* Where the CPU puts the frame of a fault from ring 3 (TSS.RSP0). */
static u8 trap_stack[TRAP_STACK_SIZE] __attribute__((aligned(16)));
extern char _start[];		/* boot.S: the lowest address of the monitor */

/* The guest's RAM is mapped by the "second stage" walker (stage2.c) with
 * these bits: ordinary long-mode paging, user-accessible. Here the
 * "second stage" is the only stage: the real page tables the CPU uses
 * while the guest runs. */
static const struct stage2_format user_pages = {
	.table = PTE_PRESENT | PTE_WRITABLE | PTE_USER,
	.leaf = PTE_PRESENT | PTE_WRITABLE | PTE_USER,
	.large = PTE_LARGE,
};

/* Never chosen from CPUID: only when the target file asks for it. */
static bool te_probe(void)
{
	return true;
}

static void te_enable(void)
{
	for (unsigned v = 0; v < EXCEPTION_VECTORS; v++)
		if (v != VECTOR_DOUBLE_FAULT)
			idt_set_interrupt_handler(v, (void (*)(void))te_trap_stubs[v]);
	host_tss_set_rsp0((u64)trap_stack + sizeof(trap_stack));
	printf("hv: no VT-x or AMD-V in use: the guest runs in ring 3 with IOPL 0; "
	       "its privileged instructions fault to the monitor\n");
}

/* The page directory covering 0..1 GiB in the guest's address space. */
static u64 *low_page_directory(u64 *pml4)
{
	u64 *pdpt = (u64 *)(pml4[0] & PTE_ADDR);
	return (u64 *)(pdpt[0] & PTE_ADDR);
}

/* Guest RAM (gpa 0..2 MiB) is already mapped, as user pages, at its
 * guest-physical addresses. The rest of the first GiB is the monitor's
 * identity map, as boot.S built it, but supervisor-only: the monitor can
 * run on the guest's CR3, and a guest touching it takes a #PF. */
static void add_monitor_mappings(struct vm *vm)
{
	u64 *pd = low_page_directory(vm->arch.stage2_root);

	if ((u64)_start < LARGE_PAGE || GUEST_RAM_BASE + GUEST_RAM_SIZE > LARGE_PAGE)
		panic("trap-and-emulate needs guest RAM in 0..2 MiB and the monitor above it "
		      "(hv_base 0x%lx)", (u64)_start);
	for (u64 i = 1; i < PT_ENTRIES; i++)
		pd[i] = i * LARGE_PAGE | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;
}

static void te_vcpu_init(struct vcpu *vcpu, const struct x86_boot_state *s)
{
	struct te_vcpu *t = te_vcpu(vcpu);

	if (!s->long_mode)
		panic("vm %s: trap-and-emulate runs only 64-bit guests, not real mode",
		      vcpu->vm->name);
	add_monitor_mappings(vcpu->vm);
	*t = (struct te_vcpu){
		.frame = {
			.rip = s->rip, .rsp = s->rsp,
			.cs = USER_CS64 | RPL_USER, .ss = USER_DS | RPL_USER,
			.rflags = RFLAGS_RESERVED_1 | RFLAGS_IF,	/* IOPL 0 */
		},
		.virtual_if = s->rflags & RFLAGS_IF,
		.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer,
		.gdtr = { s->gdt_base, s->gdt_limit },
		.idtr = { s->idt_base, s->idt_limit },
		.tr = s->tr.selector,
		.address_space = vcpu->vm->arch.stage2_root,
	};
}

/* The monitor keeps running on the guest's page tables: its own memory is
 * mapped there too (supervisor-only), as a kernel's is in every process. */
static void te_load(struct vcpu *vcpu)
{
	write_cr3((u64)te_vcpu(vcpu)->address_space);
}

static void te_run(struct vcpu *vcpu, struct exit *e)
{
	struct te_vcpu *t = te_vcpu(vcpu);

	do
		te_enter_guest(&vcpu->arch.regs, &t->frame);
	while (!te_decode_trap(vcpu, e));
}

/* What the guest would see: its virtual IF, CRs and EFER, not the real ones. */
static void te_read_state(struct vcpu *vcpu, struct x86_guest_state *s)
{
	struct te_vcpu *t = te_vcpu(vcpu);

	*s = (struct x86_guest_state){
		.rip = t->frame.rip, .rsp = t->frame.rsp,
		.rflags = (t->frame.rflags & ~RFLAGS_IF) | (t->virtual_if ? RFLAGS_IF : 0),
		.cr0 = t->cr0, .cr3 = t->cr3, .cr4 = t->cr4, .efer = t->efer,
	};
}

static void te_advance_rip(struct vcpu *vcpu, u64 bytes)
{
	te_vcpu(vcpu)->frame.rip += bytes;
}

static void te_set_efer(struct vcpu *vcpu, u64 efer)
{
	te_vcpu(vcpu)->efer = efer;
}

/* The guest's virtual privilege: its kernel is all it runs (in ring 3 of
 * the real CPU, ring 0 as far as it knows). */
static unsigned te_cpl(struct vcpu *vcpu)
{
	(void)vcpu;
	return 0;
}

/* No time slices: this lesson runs one VM, which keeps the CPU until it
 * faults. (A PIT interrupt taken from ring 3 would be the way.) */
static void te_set_timer(struct vcpu *vcpu, u64 microseconds)
{
	static bool said;

	(void)vcpu;
	if (microseconds && !said) {
		printf("hv: trap-and-emulate has no timer: VMs run until they trap\n");
		said = true;
	}
}

const struct x86_backend trap_emulate_backend = {
	.name = "trap and emulate (no hardware virtualization)",
	.probe = te_probe,
	.enable = te_enable,
	.stage2 = &user_pages,
	.vcpu_init = te_vcpu_init,
	.load = te_load,
	.run = te_run,
	.read_state = te_read_state,
	.advance_rip = te_advance_rip,
	.set_efer = te_set_efer,
	.cpl = te_cpl,	/* no .inject_exception: the monitor reflects no faults */
	.set_timer = te_set_timer,
	.report = te_report,
};
