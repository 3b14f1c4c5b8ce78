/* The hosted hypervisor's VT-x back end (SDM Vol. 3C): VMXON on each CPU, a
 * VMCS whose guest state is this CPU as it runs and whose host state is
 * the exit handler, an EPT, exits for CPUID, VMCALL, XSETBV and CR4.VMXE,
 * and the way back out (VMXOFF, then CR4.VMXE cleared). The VMCS field
 * table, control adjustment and exit names are the bare-metal core's
 * (arch_x86_64/vmx/). */
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/tlbflush.h>
#include "vmcs.h"
#include "vmx_controls.h"
#include "vmx_exit_names.h"
#include "vmx_insn.h"
#include "hosted.h"
#include "hosted_entry.h"

#define EPT_TABLE_BITS		0x7ULL			/* read, write, execute */
#define EPT_MEMORY_TYPE_WB	6ULL
#define EPT_LEAF_BITS		(0x7ULL | EPT_MEMORY_TYPE_WB << 3)
#define EPTP_WALK_LENGTH_4	(3ULL << 3)		/* page-walk length - 1 */
#define VMCS_LINK_POINTER_NONE	(~0ULL)
#define AR_UNUSABLE		(1u << 16)		/* SDM 24.4.1: "segment unusable" */
#define AR_DPL(ar)		(((ar) >> 5) & 3)
#define VECTOR_UD		6
#define VECTOR_GP		13

struct vmx_cpu {
	void *vmxon_region, *vmcs;
};

/* What every CPU shares: the controls (the same CPU model throughout),
 * and bitmaps with every bit clear: no MSR and no port exits. */
static u64 vmx_basic;
static u32 pin, proc, proc2, exit_ctls, entry_ctls;
static void *msr_bitmap, *io_bitmap_a, *io_bitmap_b;

static u64 vmread(u64 field)
{
	u64 value = 0;

	vmread_checked(field, &value);
	return value;
}

static void vmwrite(u64 field, u64 value)
{
	vmwrite_checked(field, value);
}

/* `wanted` must be allowed; `optional` is taken where the CPU allows it
 * (RDTSCP, INVPCID, XSAVES: Linux uses them when CPUID says so, and in
 * non-root mode each is #UD unless enabled here). */
static int adjust(enum vmx_control which, u32 wanted, u32 optional, u32 *out, const char **why)
{
	u64 cap;

	rdmsrl(vmx_control_msr(which, vmx_basic), cap);
	wanted |= optional & ~vmx_controls_missing(cap, optional);
	if (vmx_controls_missing(cap, wanted)) {
		*why = "a needed VMCS control is missing (IA32_VMX_*_CTLS)";
		return -ENODEV;
	}
	*out = vmx_controls_adjusted(cap, wanted);
	return 0;
}

static int vmx_probe(const char **why)
{
	u64 fc, ept;

	if (native_read_cr4() & X86_CR4_VMXE) {
		*why = "VT-x is in use already (CR4.VMXE is set: is kvm_intel loaded?)";
		return -EBUSY;
	}
	rdmsrl(IA32_FEATURE_CONTROL, fc);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		*why = "VT-x is disabled by firmware (IA32_FEATURE_CONTROL is locked with VMXON outside SMX off)";
		return -EPERM;
	}
	rdmsrl(IA32_VMX_BASIC, vmx_basic);
	if (adjust(VMX_PIN_BASED, 0, 0, &pin, why) ||
	    adjust(VMX_PRIMARY_PROC_BASED, CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_USE_IO_BITMAPS |
		   CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0, &proc, why) ||
	    adjust(VMX_SECONDARY_PROC_BASED, SECONDARY_ENABLE_EPT, SECONDARY_ENABLE_RDTSCP |
		   SECONDARY_ENABLE_INVPCID | SECONDARY_ENABLE_XSAVES, &proc2, why) ||
	    adjust(VMX_EXIT, VM_EXIT_HOST_ADDRESS_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER |
		   VM_EXIT_LOAD_IA32_EFER, VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT,
		   &exit_ctls, why) ||
	    adjust(VMX_ENTRY, VM_ENTRY_IA32E_MODE_GUEST | VM_ENTRY_LOAD_IA32_EFER,
		   VM_ENTRY_LOAD_IA32_PAT, &entry_ctls, why))
		return -ENODEV;
	rdmsrl(IA32_VMX_EPT_VPID_CAP, ept);
	if ((ept & (EPT_CAP_PAGE_WALK_4 | EPT_CAP_MEMORY_TYPE_WB | EPT_CAP_2MB_PAGE)) !=
	    (EPT_CAP_PAGE_WALK_4 | EPT_CAP_MEMORY_TYPE_WB | EPT_CAP_2MB_PAGE)) {
		*why = "this CPU's EPT lacks 4-level walks, write-back tables or 2 MiB pages";
		return -ENODEV;
	}
	return 0;
}

static int alloc_bitmaps(void)
{
	msr_bitmap = (void *)get_zeroed_page(GFP_KERNEL);
	io_bitmap_a = (void *)get_zeroed_page(GFP_KERNEL);
	io_bitmap_b = (void *)get_zeroed_page(GFP_KERNEL);
	return msr_bitmap && io_bitmap_a && io_bitmap_b ? 0 : -ENOMEM;
}

static void free_bitmaps(void)
{
	free_page((unsigned long)msr_bitmap);
	free_page((unsigned long)io_bitmap_a);
	free_page((unsigned long)io_bitmap_b);
	msr_bitmap = io_bitmap_a = io_bitmap_b = NULL;
}

static int vmx_alloc(struct hosted_cpu *c)
{
	struct vmx_cpu *v = kzalloc(sizeof(*v), GFP_KERNEL);

	c->arch = v;
	if (!v)
		return -ENOMEM;
	v->vmxon_region = (void *)get_zeroed_page(GFP_KERNEL);
	v->vmcs = (void *)get_zeroed_page(GFP_KERNEL);
	if (!v->vmxon_region || !v->vmcs)
		return -ENOMEM;
	c->control_pa = __pa(v->vmcs);
	return 0;
}

static void vmx_free(struct hosted_cpu *c)
{
	struct vmx_cpu *v = c->arch;

	if (v) {
		free_page((unsigned long)v->vmxon_region);
		free_page((unsigned long)v->vmcs);
		kfree(v);
	}
}

/* ---- the VMCS: this CPU as it runs ---- */

struct segment {
	u16 selector;
	u32 limit, ar;
	u64 base;
};

/* A segment from its GDT descriptor, in the VMCS's access-rights form
 * (SDM 24.4.1: descriptor bits 47:40 -> 7:0, 55:52 -> 15:12); a system
 * descriptor (TSS, LDT) is 16 bytes, with base bits 63:32 in the second. */
static struct segment segment(const struct desc_ptr *gdt, u16 selector)
{
	const struct desc_struct *d = (const struct desc_struct *)gdt->address + (selector >> 3);
	struct segment s = { .selector = selector, .ar = AR_UNUSABLE };

	if (!(selector & ~SEGMENT_RPL_MASK))
		return s;
	s.ar = d->type | (d->s << 4) | (d->dpl << 5) | (d->p << 7) | (d->avl << 12) |
	       (d->l << 13) | (d->d << 14) | (d->g << 15);
	s.limit = get_desc_limit(d);
	if (d->g)
		s.limit = (s.limit << 12) | 0xfff;
	s.base = get_desc_base(d);
	if (!d->s)
		s.base |= (u64)((const struct ldttss_desc *)d)->base3 << 32;
	return s;
}

#define WRITE_GUEST_SEGMENT(SEG, s) do { \
	vmwrite(VMCS_GUEST_##SEG##_SELECTOR, (s).selector); \
	vmwrite(VMCS_GUEST_##SEG##_BASE, (s).base); \
	vmwrite(VMCS_GUEST_##SEG##_LIMIT, (s).limit); \
	vmwrite(VMCS_GUEST_##SEG##_ACCESS_RIGHTS, (s).ar); \
} while (0)

static u16 read_selector_cs(void) { u16 s; asm("mov %%cs, %0" : "=r"(s)); return s; }
static u16 read_selector_tr(void) { u16 s; asm("str %0" : "=r"(s)); return s; }
static u16 read_selector_ldtr(void) { u16 s; asm("sldt %0" : "=r"(s)); return s; }

static void write_guest_state(void)
{
	struct desc_ptr gdt, idt;
	struct segment fs, gs;
	u16 sel;

	native_store_gdt(&gdt);
	store_idt(&idt);
	savesegment(es, sel); WRITE_GUEST_SEGMENT(ES, segment(&gdt, sel));
	WRITE_GUEST_SEGMENT(CS, segment(&gdt, read_selector_cs()));
	savesegment(ss, sel); WRITE_GUEST_SEGMENT(SS, segment(&gdt, sel));
	savesegment(ds, sel); WRITE_GUEST_SEGMENT(DS, segment(&gdt, sel));
	savesegment(fs, sel); fs = segment(&gdt, sel);
	savesegment(gs, sel); gs = segment(&gdt, sel);
	rdmsrl(MSR_FS_BASE, fs.base);		/* 64-bit bases live in MSRs */
	rdmsrl(MSR_GS_BASE, gs.base);
	WRITE_GUEST_SEGMENT(FS, fs);
	WRITE_GUEST_SEGMENT(GS, gs);
	WRITE_GUEST_SEGMENT(LDTR, segment(&gdt, read_selector_ldtr()));
	WRITE_GUEST_SEGMENT(TR, segment(&gdt, read_selector_tr()));
	vmwrite(VMCS_GUEST_GDTR_BASE, gdt.address);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, gdt.size);
	vmwrite(VMCS_GUEST_IDTR_BASE, idt.address);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, idt.size);
	/* broken_entry: CR0.PE off, illegal without unrestricted guest: exit reason 33 */
	vmwrite(VMCS_GUEST_CR0, native_read_cr0() & ~(broken_entry ? X86_CR0_PE : 0));
	vmwrite(VMCS_GUEST_CR3, __native_read_cr3());
	vmwrite(VMCS_GUEST_CR4, native_read_cr4());
	vmwrite(VMCS_GUEST_DR7, native_get_debugreg(7));
	vmwrite(VMCS_GUEST_IA32_DEBUGCTL, native_read_msr(MSR_IA32_DEBUGCTLMSR));
	vmwrite(VMCS_GUEST_IA32_SYSENTER_CS, native_read_msr(MSR_IA32_SYSENTER_CS));
	vmwrite(VMCS_GUEST_IA32_SYSENTER_ESP, native_read_msr(MSR_IA32_SYSENTER_ESP));
	vmwrite(VMCS_GUEST_IA32_SYSENTER_EIP, native_read_msr(MSR_IA32_SYSENTER_EIP));
	vmwrite(VMCS_GUEST_IA32_EFER, native_read_msr(MSR_EFER));
	vmwrite(VMCS_GUEST_IA32_PAT, native_read_msr(MSR_IA32_CR_PAT));
	vmwrite(VMCS_VMCS_LINK_POINTER, VMCS_LINK_POINTER_NONE);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmwrite(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
}

/* Where every VM exit lands: the exit handler's stack, init_mm's page
 * tables, and the kernel's own segments, descriptor tables and MSRs. */
static void write_host_state(struct hosted_cpu *c)
{
	struct desc_ptr gdt, idt;

	native_store_gdt(&gdt);
	store_idt(&idt);
	vmwrite(VMCS_HOST_CR0, native_read_cr0());
	vmwrite(VMCS_HOST_CR3, c->host_cr3);
	vmwrite(VMCS_HOST_CR4, native_read_cr4());
	vmwrite(VMCS_HOST_CS_SELECTOR, __KERNEL_CS);
	vmwrite(VMCS_HOST_SS_SELECTOR, __KERNEL_DS);
	vmwrite(VMCS_HOST_DS_SELECTOR, 0);
	vmwrite(VMCS_HOST_ES_SELECTOR, 0);
	vmwrite(VMCS_HOST_FS_SELECTOR, 0);
	vmwrite(VMCS_HOST_GS_SELECTOR, 0);
	vmwrite(VMCS_HOST_TR_SELECTOR, read_selector_tr());
	vmwrite(VMCS_HOST_FS_BASE, native_read_msr(MSR_FS_BASE));
	vmwrite(VMCS_HOST_GS_BASE, native_read_msr(MSR_GS_BASE));	/* this CPU's per-CPU area */
	vmwrite(VMCS_HOST_TR_BASE, segment(&gdt, read_selector_tr()).base);
	vmwrite(VMCS_HOST_GDTR_BASE, gdt.address);
	vmwrite(VMCS_HOST_IDTR_BASE, idt.address);
	vmwrite(VMCS_HOST_IA32_SYSENTER_CS, native_read_msr(MSR_IA32_SYSENTER_CS));
	vmwrite(VMCS_HOST_IA32_SYSENTER_ESP, native_read_msr(MSR_IA32_SYSENTER_ESP));
	vmwrite(VMCS_HOST_IA32_SYSENTER_EIP, native_read_msr(MSR_IA32_SYSENTER_EIP));
	vmwrite(VMCS_HOST_IA32_EFER, native_read_msr(MSR_EFER));
	vmwrite(VMCS_HOST_IA32_PAT, native_read_msr(MSR_IA32_CR_PAT));
	vmwrite(VMCS_HOST_RSP, c->host_rsp - HOSTED_STACK_FRAME);
	vmwrite(VMCS_HOST_RIP, (u64)hosted_vmx_exit_entry);
}

static void write_controls(void)
{
	vmwrite(VMCS_PIN_BASED_VM_EXEC_CONTROL, pin);
	vmwrite(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, proc);
	vmwrite(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL, proc2);
	vmwrite(VMCS_VM_EXIT_CONTROLS, exit_ctls);
	vmwrite(VMCS_VM_ENTRY_CONTROLS, entry_ctls);
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);		/* the kernel handles its own */
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, 0);
	vmwrite(VMCS_MSR_BITMAP, __pa(msr_bitmap));
	vmwrite(VMCS_IO_BITMAP_A, __pa(io_bitmap_a));
	vmwrite(VMCS_IO_BITMAP_B, __pa(io_bitmap_b));
	vmwrite(VMCS_EPT_POINTER, hosted_nested_root | EPTP_WALK_LENGTH_4 | EPT_MEMORY_TYPE_WB);
	/* CR4.VMXE must stay 1 in non-root mode (IA32_VMX_CR4_FIXED0): the
	 * host owns the bit, and the kernel reads it as it set it. */
	vmwrite(VMCS_CR4_GUEST_HOST_MASK, X86_CR4_VMXE);
	vmwrite(VMCS_CR4_READ_SHADOW, native_read_cr4());
	vmwrite(VMCS_CR0_GUEST_HOST_MASK, 0);
	vmwrite(VMCS_CR0_READ_SHADOW, native_read_cr0());
}

/* Called by hosted_vmx_launch just before VMLAUNCH. */
void hosted_vmx_prepare(struct hosted_cpu *c)
{
	*(struct hosted_cpu **)(c->host_rsp - HOSTED_STACK_FRAME + HOSTED_REGS_SIZE) = c;
	vmwrite(VMCS_GUEST_RSP, c->guest_rsp);
	vmwrite(VMCS_GUEST_RIP, c->guest_rip);
	vmwrite(VMCS_GUEST_RFLAGS, c->guest_rflags);
}

static void vmx_off(struct vmx_cpu *v)
{
	vmclear(__pa(v->vmcs));
	vmxoff();
}

static void vmx_enter(struct hosted_cpu *c)
{
	struct vmx_cpu *v = c->arch;
	u32 revision = vmx_basic & VMX_BASIC_REVISION_ID_MASK;
	u64 fc, error;
	int err;

	rdmsrl(IA32_FEATURE_CONTROL, fc);
	if (!(fc & FEATURE_CONTROL_LOCK))	/* firmware left it open: what it should have done */
		wrmsrl(IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	cr4_set_bits(X86_CR4_VMXE);		/* the kernel's own copy of CR4 knows */
	*(u32 *)v->vmxon_region = revision;
	*(u32 *)v->vmcs = revision;
	if (vmxon(__pa(v->vmxon_region)) != VMX_SUCCEED) {
		cr4_clear_bits(X86_CR4_VMXE);
		c->error = -EIO, c->why = "VMXON failed";
		return;
	}
	vmclear(__pa(v->vmcs));
	vmptrld(__pa(v->vmcs));
	invept(INVEPT_ALL_CONTEXT, 0);
	write_controls();
	write_host_state(c);
	write_guest_state();
	c->launch_cr3 = __native_read_cr3();
	savesegment(ss, c->launch_ss);
	err = hosted_vmx_launch(c);
	if (!err) {
		c->in_guest = true;		/* written by the guest: the launch worked */
		return;
	}
	if (err == -EIO) {			/* VMLAUNCH itself failed: still in root mode */
		error = vmread(VMCS_VM_INSTRUCTION_ERROR);
		vmx_off(v);
		c->why = error == 7 ? "VMLAUNCH failed: VM-instruction error 7 (invalid control fields)" :
			 error == 8 ? "VMLAUNCH failed: VM-instruction error 8 (invalid host state)" :
			 "VMLAUNCH failed (VM-instruction error in the VMCS)";
	} else {
		c->why = "VM entry failed: invalid guest state (exit reason 33)";
		invalidate_tss_limit();		/* the failed entry left TR's limit at 0x67 */
	}
	cr4_clear_bits(X86_CR4_VMXE);
	c->error = err;
}

static void vmx_leave(struct hosted_cpu *c)
{
	u64 rax = HOSTED_HC_LEAVE;

	asm volatile("vmcall" : "+a"(rax) : : "rbx", "rcx", "rdx", "memory");
	if (rax == HOSTED_HC_DENIED) {
		pr_err("hosted: VT-x: CPU %d: the hypervisor refused to let go\n", c->cpu);
		return;
	}
	cr4_clear_bits(X86_CR4_VMXE);
	invalidate_tss_limit();		/* every VM exit left TR's limit at 0x67 */
}

/* ---- exits ---- */

static inline void write_cr(int n, u64 v)
{
	if (n == 0)
		asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
	else if (n == 3)
		asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
	else
		asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* VMX off on this CPU, its descriptor tables whole again: every VM exit
 * (and a failed entry) set GDTR's and IDTR's limits to 0xffff. */
static int vmx_off_restoring_tables(struct hosted_cpu *c)
{
	struct desc_ptr gdt = { .size = vmread(VMCS_GUEST_GDTR_LIMIT),
				.address = vmread(VMCS_GUEST_GDTR_BASE) };
	struct desc_ptr idt = { .size = vmread(VMCS_GUEST_IDTR_LIMIT),
				.address = vmread(VMCS_GUEST_IDTR_BASE) };

	native_load_gdt(&gdt);
	native_load_idt(&idt);
	vmx_off(c->arch);
	c->in_guest = false;
	return 1;
}

/* The entry failed its guest-state checks: the guest never ran. Back to
 * where the launch was called, with what it recorded, returning -EINVAL
 * (the VMCS's guest state is what failed: none of it goes on the CPU). */
static int abandon_launch(struct hosted_cpu *c, struct hosted_regs *regs)
{
	regs->rax = -EINVAL;
	regs->iret_rip = c->guest_rip, regs->iret_cs = __KERNEL_CS;
	regs->iret_rflags = c->guest_rflags;
	regs->iret_rsp = c->guest_rsp, regs->iret_ss = c->launch_ss;
	write_cr(3, c->launch_cr3);
	return vmx_off_restoring_tables(c);
}

/* Out of non-root mode for good: the guest's state goes onto the real CPU,
 * VMXOFF, and the assembly IRETs to where the guest was, `rax` in RAX. */
static int leave_guest_mode(struct hosted_cpu *c, struct hosted_regs *regs, u64 rax)
{
	regs->rax = rax;
	regs->iret_rip = vmread(VMCS_GUEST_RIP);
	regs->iret_cs = vmread(VMCS_GUEST_CS_SELECTOR);
	regs->iret_rflags = vmread(VMCS_GUEST_RFLAGS);
	regs->iret_rsp = vmread(VMCS_GUEST_RSP);
	regs->iret_ss = vmread(VMCS_GUEST_SS_SELECTOR);
	write_cr(3, vmread(VMCS_GUEST_CR3));
	write_cr(4, vmread(VMCS_GUEST_CR4));
	write_cr(0, vmread(VMCS_GUEST_CR0));
	wrmsrl(MSR_FS_BASE, vmread(VMCS_GUEST_FS_BASE));
	wrmsrl(MSR_GS_BASE, vmread(VMCS_GUEST_GS_BASE));
	wrmsrl(MSR_IA32_CR_PAT, vmread(VMCS_GUEST_IA32_PAT));
	native_set_debugreg(7, vmread(VMCS_GUEST_DR7));
	return vmx_off_restoring_tables(c);
}

static void advance_rip(void)
{
	vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH));
}

static void inject_exception(u32 vector)
{
	vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_HARDWARE_EXCEPTION | vector |
		(vector == VECTOR_GP ? INTR_INFO_DELIVER_ERROR_CODE : 0));
	vmwrite(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
}

/* MOV to CR4 is the only control-register access that exits (the mask
 * holds only VMXE): the kernel's value goes in, with VMXE kept. */
/* Register n of an instruction's encoding (SDM table 28-3 numbers them so) */
static u64 *gpr(struct hosted_regs *r, unsigned int n)
{
	return &((u64 *)r)[n];
}

static bool cr_access(struct hosted_cpu *c, struct hosted_regs *regs, u64 qual)
{

	if (CR_QUAL_NUMBER(qual) != 4 || CR_QUAL_ACCESS_TYPE(qual) != CR_ACCESS_MOV_TO_CR ||
	    CR_QUAL_GPR(qual) == 4)
		return false;
	c->exits[HOSTED_EXIT_CR]++;
	vmwrite(VMCS_GUEST_CR4, *gpr(regs, CR_QUAL_GPR(qual)) | X86_CR4_VMXE);
	vmwrite(VMCS_CR4_READ_SHADOW, *gpr(regs, CR_QUAL_GPR(qual)));
	return true;
}

/* RDMSR/WRMSR of an MSR outside the bitmap's ranges always exits: done
 * here as the kernel asked, or #GP if the CPU refuses it too. */
static void msr_access(struct hosted_cpu *c, struct hosted_regs *regs, bool write)
{
	u64 value;

	c->exits[HOSTED_EXIT_MSR]++;
	if (write ? wrmsr_safe(regs->rcx, regs->rax, regs->rdx) : rdmsrl_safe(regs->rcx, &value)) {
		inject_exception(VECTOR_GP);
		return;
	}
	if (!write)
		regs->rax = (u32)value, regs->rdx = value >> 32;
	advance_rip();
}

/* VM exit: returns 0 to resume the guest, 1 to leave non-root mode. */
int hosted_vmx_exit(struct hosted_cpu *c, struct hosted_regs *regs)
{
	u32 reason = vmread(VMCS_EXIT_REASON);
	u64 qual = vmread(VMCS_EXIT_QUALIFICATION);

	if (reason & EXIT_REASON_VM_ENTRY_FAILURE)
		return abandon_launch(c, regs);
	switch (reason & EXIT_REASON_BASIC_MASK) {
	case EXIT_REASON_CPUID:
		hosted_cpuid(c, &regs->rax, &regs->rbx, &regs->rcx, &regs->rdx);
		advance_rip();
		return 0;
	case EXIT_REASON_VMCALL:
		advance_rip();
		if (hosted_vmcall(c, AR_DPL(vmread(VMCS_GUEST_SS_ACCESS_RIGHTS)), &regs->rax,
				  &regs->rbx, &regs->rcx))
			return leave_guest_mode(c, regs, 0);
		return 0;
	case EXIT_REASON_XSETBV:		/* always exits: the host sets XCR0 as asked */
		c->exits[HOSTED_EXIT_XSETBV]++;
		xsetbv(regs->rcx, regs->rdx << 32 | (u32)regs->rax);
		advance_rip();
		return 0;
	case EXIT_REASON_CR_ACCESS:
		if (!cr_access(c, regs, qual))
			break;
		advance_rip();
		return 0;
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		msr_access(c, regs, (reason & EXIT_REASON_BASIC_MASK) == EXIT_REASON_WRMSR);
		return 0;
	case EXIT_REASON_EPT_VIOLATION:
		hosted_nested_fault(c, vmread(VMCS_GUEST_PHYSICAL_ADDRESS), qual,
				    vmread(VMCS_GUEST_RIP));
		return leave_guest_mode(c, regs, regs->rax);	/* the access runs natively */
	case EXIT_REASON_VMCLEAR ... EXIT_REASON_VMXON:
	case EXIT_REASON_GETSEC:
		hosted_unexpected_exit(c, reason, qual, 0, vmread(VMCS_GUEST_RIP));
		inject_exception(VECTOR_UD);		/* no VT-x inside */
		return 0;
	}
	hosted_unexpected_exit(c, reason, qual, 0, vmread(VMCS_GUEST_RIP));
	return 0;
}

/* VMRESUME failed: nothing to go back to but the bare CPU. */
int hosted_vmx_resume_failed(struct hosted_cpu *c, struct hosted_regs *regs)
{
	hosted_unexpected_exit(c, vmread(VMCS_VM_INSTRUCTION_ERROR), 0, 0, vmread(VMCS_GUEST_RIP));
	return leave_guest_mode(c, regs, regs->rax);
}

static const char *vmx_exit_name(u64 reason)
{
	return vmx_reason_name(reason & EXIT_REASON_BASIC_MASK);
}

const struct hosted_backend hosted_vmx_backend = {
	.name = "VT-x",
	.probe = vmx_probe,
	.setup = alloc_bitmaps,
	.release = free_bitmaps,
	.alloc = vmx_alloc,
	.free = vmx_free,
	.enter = vmx_enter,
	.leave = vmx_leave,
	.exit_name = vmx_exit_name,
	.nested_table_bits = EPT_TABLE_BITS,
	.nested_leaf_bits = EPT_LEAF_BITS,
};
