/* The hosted hypervisor's AMD-V back end (APM Vol. 2, chapter 15): a VMCB
 * that mirrors this CPU as it runs, an NPT, intercepts for CPUID, VMMCALL,
 * EFER and the host save area, and the way back out (EFER.SVME cleared).
 * The VMCB's layout is the bare-metal core's (arch_x86_64/svm/vmcb.h). */
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include "vmcb.h"
#include "svm_exit_names.h"
#include "hosted.h"

#define GUEST_ASID		1		/* the host is ASID 0 */
#define NPT_TABLE_BITS		(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)	/* nested walks are user accesses */
#define NPT_LEAF_BITS		(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)
#define MSRPM_ORDER		1		/* MSRPM_SIZE: two pages */
#define IOPM_ORDER		2		/* IOPM_SIZE: three pages, in an order-2 block */
#define VECTOR_UD		6
#define EVENTINJ_TYPE_EXCEPTION_UD (EVENTINJ_VALID | EVENTINJ_TYPE_EXCEPTION | VECTOR_UD)

struct svm_cpu {
	struct vmcb *vmcb;		/* the kernel as a guest */
	struct vmcb *host_vmcb;		/* VMSAVE/VMLOAD area for the host's hidden state */
	void *hsave;			/* VM_HSAVE_PA: where VMRUN keeps the host's state */
};

static void *msrpm, *iopm;		/* shared by every CPU: read-only to them */

/* ---- the permission maps: everything passes through but two MSRs ---- */

/* APM 15.11: three 2 KiB ranges of two bits (read, write) per MSR. */
static const struct { u32 first; u32 offset; } msrpm_ranges[] = {
	{ 0x00000000, 0x000 }, { 0xc0000000, 0x800 }, { 0xc0010000, 0x1000 },
};
#define MSRPM_RANGE_MSRS	0x2000

static void msrpm_intercept(u32 msr, bool read, bool write)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(msrpm_ranges); i++) {
		u32 n = msr - msrpm_ranges[i].first;

		if (msr < msrpm_ranges[i].first || n >= MSRPM_RANGE_MSRS)
			continue;
		if (read)
			__set_bit(msrpm_ranges[i].offset * 8 + n * 2, msrpm);
		if (write)
			__set_bit(msrpm_ranges[i].offset * 8 + n * 2 + 1, msrpm);
	}
}

static int alloc_maps(void)
{
	msrpm = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, MSRPM_ORDER);
	iopm = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, IOPM_ORDER);
	if (!msrpm || !iopm)
		return -ENOMEM;
	msrpm_intercept(MSR_EFER, false, true);		/* EFER.SVME must stay set */
	msrpm_intercept(MSR_VM_HSAVE_PA, true, true);	/* the host's state is not the guest's */
	return 0;
}

static void free_maps(void)
{
	free_pages((unsigned long)msrpm, MSRPM_ORDER);
	free_pages((unsigned long)iopm, IOPM_ORDER);
	msrpm = iopm = NULL;
}

/* ---- the back end ---- */

static int svm_probe(const char **why)
{
	u64 vm_cr, efer;

	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & VM_CR_SVMDIS) {
		*why = "AMD-V is disabled by firmware (VM_CR.SVMDIS is set)";
		return -EPERM;
	}
	if (!(cpuid_edx(CPUID_LEAF_SVM_FEATURES) & SVM_FEATURE_NP)) {
		*why = "this CPU has no nested paging (CPUID 8000000Ah:EDX.NP)";
		return -ENODEV;
	}
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		*why = "AMD-V is in use already (EFER.SVME is set: is kvm_amd loaded?)";
		return -EBUSY;
	}
	return 0;
}

static int svm_alloc(struct hosted_cpu *c)
{
	struct svm_cpu *s = kzalloc(sizeof(*s), GFP_KERNEL);

	c->arch = s;
	if (!s)
		return -ENOMEM;
	s->vmcb = (void *)get_zeroed_page(GFP_KERNEL);
	s->host_vmcb = (void *)get_zeroed_page(GFP_KERNEL);
	s->hsave = (void *)get_zeroed_page(GFP_KERNEL);
	if (!s->vmcb || !s->host_vmcb || !s->hsave)
		return -ENOMEM;
	c->control_pa = __pa(s->vmcb);
	c->host_save_pa = __pa(s->host_vmcb);
	return 0;
}

static void svm_free(struct hosted_cpu *c)
{
	struct svm_cpu *s = c->arch;

	if (s) {
		free_page((unsigned long)s->vmcb);
		free_page((unsigned long)s->host_vmcb);
		free_page((unsigned long)s->hsave);
		kfree(s);
	}
}

static inline void vmsave(u64 pa)
{
	asm volatile("vmsave %%rax" : : "a"(pa) : "memory");
}

static inline void vmload(u64 pa)
{
	asm volatile("vmload %%rax" : : "a"(pa) : "memory");
}

/* A code or data segment as the CPU holds it: its descriptor in the GDT,
 * folded into the VMCB's 12-bit attribute form. */
static struct vmcb_segment segment(const struct desc_ptr *gdt, u16 selector)
{
	struct vmcb_segment s = { .selector = selector };
	const struct desc_struct *d = (const struct desc_struct *)(gdt->address) + (selector >> 3);

	if (!(selector & ~SEGMENT_RPL_MASK))
		return s;		/* a null selector: unusable, attributes 0 */
	s.attrib = (d->type) | (d->s << 4) | (d->dpl << 5) | (d->p << 7) |
		   (d->avl << 8) | (d->l << 9) | (d->d << 10) | (d->g << 11);
	s.limit = get_desc_limit(d);
	if (d->g)
		s.limit = (s.limit << 12) | 0xfff;
	s.base = get_desc_base(d);
	return s;
}

/* The guest is this CPU as it is now: its segments, descriptor tables,
 * control registers and MSRs. RSP, RIP and RFLAGS follow in
 * hosted_svm_prepare, once the launch knows where it will go on. */
static void mirror_state(struct vmcb_state_save_area *g)
{
	struct desc_ptr gdt, idt;
	u16 sel;

	native_store_gdt(&gdt);
	store_idt(&idt);
	savesegment(es, sel); g->es = segment(&gdt, sel);
	asm("mov %%cs, %0" : "=r"(sel)); g->cs = segment(&gdt, sel);
	savesegment(ss, sel); g->ss = segment(&gdt, sel);
	savesegment(ds, sel); g->ds = segment(&gdt, sel);
	g->gdtr.base = gdt.address, g->gdtr.limit = gdt.size;
	g->idtr.base = idt.address, g->idtr.limit = idt.size;
	g->cpl = 0;
	rdmsrl(MSR_EFER, g->efer);
	g->cr0 = native_read_cr0();
	g->cr2 = native_read_cr2();
	g->cr3 = __native_read_cr3();
	g->cr4 = native_read_cr4();
	g->dr6 = native_get_debugreg(6);
	g->dr7 = native_get_debugreg(7);
	rdmsrl(MSR_IA32_CR_PAT, g->g_pat);
	g->rax = 0;		/* what hosted_svm_launch returns in the guest */
	if (broken_entry)
		g->efer &= ~EFER_SVME;	/* illegal in a guest: VMEXIT_INVALID (APM 15.5.1) */
}

static void setup_control(struct vmcb_control_area *ctl)
{
	ctl->intercept_misc1 = INTERCEPT_CPUID | INTERCEPT_MSR_PROT | INTERCEPT_IOIO_PROT;
	/* VMRUN must be intercepted; the guest gets no AMD-V of its own */
	ctl->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
			       INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT;
	ctl->iopm_base_pa = __pa(iopm);
	ctl->msrpm_base_pa = __pa(msrpm);
	ctl->guest_asid = GUEST_ASID;
	ctl->tlb_control = TLB_CONTROL_FLUSH_ALL_ASIDS;	/* the first VMRUN only */
	ctl->v_intr = 0;	/* no V_INTR_MASKING: the guest's RFLAGS.IF masks real interrupts */
	ctl->np_enable = NP_ENABLE;
	ctl->n_cr3 = hosted_nested_root;
}

static void svm_enter(struct hosted_cpu *c)
{
	struct svm_cpu *s = c->arch;
	u64 efer;
	int err;

	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, __pa(s->hsave));
	setup_control(&s->vmcb->control);
	mirror_state(&s->vmcb->save);
	vmsave(__pa(s->vmcb));		/* FS, GS, TR, LDTR, KernelGsBase, STAR... as they are */
	vmsave(__pa(s->host_vmcb));	/* the same, for the exit handler */
	c->launch_cr3 = __native_read_cr3();
	savesegment(ss, c->launch_ss);
	err = hosted_svm_launch(c);
	if (err) {			/* VMRUN refused the VMCB: we are where we were */
		c->error = err;
		c->why = "VMRUN failed (VMEXIT_INVALID: the mirrored state failed its checks)";
		return;
	}
	c->in_guest = true;		/* written by the guest: the launch worked */
}

static void svm_leave(struct hosted_cpu *c)
{
	u64 rax = HOSTED_HC_LEAVE;

	asm volatile("vmmcall" : "+a"(rax) : : "rbx", "rcx", "rdx", "memory");
	if (rax == HOSTED_HC_DENIED)
		pr_err("hosted: AMD-V: CPU %d: the hypervisor refused to let go\n", c->cpu);
}

/* Called on the host stack just before the first VMRUN. */
void hosted_svm_prepare(struct hosted_cpu *c, struct hosted_regs *regs)
{
	struct vmcb_state_save_area *g = &((struct svm_cpu *)c->arch)->vmcb->save;

	memset(regs, 0, sizeof(*regs));
	g->rsp = c->guest_rsp;
	g->rip = c->guest_rip;
	g->rflags = c->guest_rflags;
}

static inline void write_cr(int n, u64 v)
{
	if (n == 0)
		asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
	else if (n == 2)
		asm volatile("mov %0, %%cr2" : : "r"(v) : "memory");
	else if (n == 3)
		asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
	else
		asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* AMD-V off on this CPU: GIF back to 1 (RFLAGS.IF is still 0), no host
 * save area, EFER.SVME clear. */
static int svm_off(struct hosted_cpu *c, u64 efer)
{
	asm volatile("stgi");
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	c->in_guest = false;
	return 1;
}

/* Out of guest mode for good: the guest's state goes onto the real CPU,
 * and the assembly IRETs to where the guest was, `rax` in RAX. */
static int leave_guest_mode(struct hosted_cpu *c, struct hosted_regs *regs, u64 rax)
{
	struct svm_cpu *s = c->arch;
	struct vmcb_state_save_area *g = &s->vmcb->save;

	regs->rax = rax;
	regs->iret_rip = g->rip, regs->iret_cs = g->cs.selector;
	regs->iret_rflags = g->rflags;
	regs->iret_rsp = g->rsp, regs->iret_ss = g->ss.selector;
	vmload(__pa(s->vmcb));			/* the guest's FS, GS, TR, ... */
	write_cr(3, g->cr3);
	write_cr(4, g->cr4);
	write_cr(0, g->cr0);
	write_cr(2, g->cr2);
	native_set_debugreg(7, g->dr7);
	return svm_off(c, g->efer);
}

/* VMRUN refused the VMCB: the guest never ran, and the VMCB's state area
 * may hold anything (QEMU writes the host's state there). Back to where
 * the launch was called, with what it recorded, returning -EIO. */
static int abandon_launch(struct hosted_cpu *c, struct hosted_regs *regs)
{
	u64 efer;

	regs->rax = -EIO;
	regs->iret_rip = c->guest_rip, regs->iret_cs = __KERNEL_CS;
	regs->iret_rflags = c->guest_rflags;
	regs->iret_rsp = c->guest_rsp, regs->iret_ss = c->launch_ss;
	write_cr(3, c->launch_cr3);
	rdmsrl(MSR_EFER, efer);
	return svm_off(c, efer);
}

static void msr_exit(struct hosted_cpu *c, struct vmcb *vmcb, struct hosted_regs *regs)
{
	u32 msr = regs->rcx;
	u64 value = (regs->rdx << 32) | (u32)vmcb->save.rax;

	c->exits[HOSTED_EXIT_MSR]++;
	if (vmcb->control.exitinfo1 & MSR_EXITINFO1_WRITE) {
		if (msr == MSR_EFER)
			vmcb->save.efer = value | EFER_SVME;
		/* MSR_VM_HSAVE_PA: writes are dropped */
	} else {
		value = msr == MSR_EFER ? vmcb->save.efer : 0;	/* VM_HSAVE_PA reads 0 */
		vmcb->save.rax = (u32)value;
		regs->rdx = value >> 32;
	}
	vmcb->save.rip += INSN_LEN_MSR;
}

/* #VMEXIT: returns 0 to run the guest again, 1 to leave guest mode. */
int hosted_svm_exit(struct hosted_cpu *c, struct hosted_regs *regs)
{
	struct vmcb *vmcb = ((struct svm_cpu *)c->arch)->vmcb;
	u64 code = svm_exitcode(vmcb);

	vmcb->control.tlb_control = TLB_CONTROL_DO_NOTHING;
	switch (code) {
	case VMEXIT_CPUID:
		hosted_cpuid(c, &vmcb->save.rax, &regs->rbx, &regs->rcx, &regs->rdx);
		vmcb->save.rip += INSN_LEN_CPUID;	/* no next-RIP save under QEMU TCG */
		return 0;
	case VMEXIT_VMMCALL:
		vmcb->save.rip += INSN_LEN_VMMCALL;
		if (hosted_vmcall(c, vmcb->save.cpl, &vmcb->save.rax, &regs->rbx, &regs->rcx))
			return leave_guest_mode(c, regs, 0);
		return 0;
	case VMEXIT_MSR:
		msr_exit(c, vmcb, regs);
		return 0;
	case VMEXIT_NPF:
		hosted_nested_fault(c, vmcb->control.exitinfo2, vmcb->control.exitinfo1,
				    vmcb->save.rip);
		return leave_guest_mode(c, regs, vmcb->save.rax);  /* the access runs natively */
	case VMEXIT_INVALID:
		return abandon_launch(c, regs);
	case VMEXIT_VMRUN: case VMEXIT_VMLOAD: case VMEXIT_VMSAVE: case VMEXIT_STGI:
	case VMEXIT_CLGI: case VMEXIT_SKINIT:
		hosted_unexpected_exit(c, code, vmcb->control.exitinfo1, vmcb->control.exitinfo2,
				       vmcb->save.rip);
		vmcb->control.eventinj = EVENTINJ_TYPE_EXCEPTION_UD;	/* no AMD-V inside */
		return 0;
	default:
		hosted_unexpected_exit(c, code, vmcb->control.exitinfo1, vmcb->control.exitinfo2,
				       vmcb->save.rip);
		return 0;
	}
}

const struct hosted_backend hosted_svm_backend = {
	.name = "AMD-V",
	.probe = svm_probe,
	.setup = alloc_maps,
	.release = free_maps,
	.alloc = svm_alloc,
	.free = svm_free,
	.enter = svm_enter,
	.leave = svm_leave,
	.exit_name = svm_exit_name,
	.nested_table_bits = NPT_TABLE_BITS,
	.nested_leaf_bits = NPT_LEAF_BITS,
};
