/* Intel VT-x, part 2: filling a vCPU's VMCS (SDM Vol. 3C, chapter 25):
 *   VM-execution, VM-exit and VM-entry controls: what traps, what switches
 *   host-state area: where the CPU lands on every VM exit
 *   guest-state area: the guest's starting registers (guest_state.c)
 * VM entry checks all of it; a mistake shows as VM-instruction error 7
 * (controls) or 8 (host state), or as exit reason 33 (guest state). */
#include "backend.h"
#include "config.h"
#include "console.h"
#include "cpu.h"
#include "guest_state.h"
#include "shadow.h"
#include "vm.h"
#include "vmx.h"
#include "x86.h"

#define DR7_RESET_VALUE		0x400
#define VMCS_LINK_POINTER_NONE	(~0ULL)	/* no shadow VMCS */
#define ACTIVITY_STATE_ACTIVE	0

extern const u8 vmx_exit_entry[];	/* vmx_entry.S: the host RIP of every exit */

/* Without and with the VMX-preemption timer. */
#define PREEMPTION_TIMER_MAX	0xffffffffULL	/* the field is 32 bits wide */

static u32 pin_controls, pin_controls_timer;
u64 vmx_slice_deadline;				/* TSC at which the slice ends; 0: none */
static struct vcpu *current_vcpu;		/* whose VMCS is current */

static void write_controls(const struct x86_boot_state *s)
{
	/* Physical interrupts belong to the host: one arriving while the guest
	 * runs is an exit, never a jump through the guest's IDT. */
	pin_controls = vmx_adjust_controls(VMX_PIN_BASED, PIN_BASED_EXTERNAL_INTERRUPT_EXITING);
	pin_controls_timer = vmx_adjust_controls(VMX_PIN_BASED, pin_controls |
						 PIN_BASED_ACTIVATE_PREEMPTION_TIMER);
	vmwrite(VMCS_PIN_BASED_VM_EXEC_CONTROL, pin_controls);
	/* HLT and every IN/OUT exit; CPUID always does. Shadow paging also
	 * needs every CR3 load and store, every INVLPG and every #PF. */
	vmwrite(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL,
		vmx_adjust_controls(VMX_PRIMARY_PROC_BASED, CPU_BASED_HLT_EXITING |
				    CPU_BASED_UNCONDITIONAL_IO_EXITING |
				    CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING |
				    CPU_BASED_ACTIVATE_SECONDARY_CONTROLS |
				    (PAGING_SHADOW ? CPU_BASED_CR3_LOAD_EXITING |
				     CPU_BASED_CR3_STORE_EXITING | CPU_BASED_INVLPG_EXITING : 0)));
	/* Two-level paging: EPT, with VPID-tagged TLB entries, and unrestricted
	 * guest (the guest may run with paging or protection off, translated
	 * by EPT alone). Shadow paging uses none of them; without VPID every
	 * VM entry and exit empties the TLB, which keeps it in step. */
	vmwrite(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL,
		vmx_adjust_controls(VMX_SECONDARY_PROC_BASED, PAGING_SHADOW ? 0 :
				    SECONDARY_ENABLE_EPT | SECONDARY_ENABLE_VPID |
				    SECONDARY_UNRESTRICTED_GUEST));
	/* A 64-bit host; IA32_EFER switched both ways, and DR7 with
	 * IA32_DEBUGCTL: the TRUE_ capability MSRs let both debug controls be
	 * 0, and then every exit would drop the guest's DR7. */
	vmwrite(VMCS_VM_EXIT_CONTROLS,
		vmx_adjust_controls(VMX_EXIT, VM_EXIT_HOST_ADDRESS_SPACE_SIZE |
				    VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
				    VM_EXIT_SAVE_DEBUG_CONTROLS));
	/* "IA-32e mode guest" only for a guest starting in 64-bit mode; when a
	 * guest enables long mode itself, each VM exit copies EFER.LMA here. */
	vmwrite(VMCS_VM_ENTRY_CONTROLS,
		vmx_adjust_controls(VMX_ENTRY, VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_DEBUG_CONTROLS |
				    (s->long_mode ? VM_ENTRY_IA32E_MODE_GUEST : 0)));

	/* The guest handles its own exceptions, but for shadow paging's #PF;
	 * an error-code mask and match of 0 make every #PF exit. */
	vmwrite(VMCS_EXCEPTION_BITMAP, PAGING_SHADOW ? BIT(VECTOR_PAGE_FAULT) : 0);
	vmwrite(VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmwrite(VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, 0);
}

/* A bit set in a guest/host mask belongs to the host: the guest reads the
 * read shadow there, and a write changing it exits. CR4.VMXE must stay 1
 * (IA32_VMX_CR4_FIXED0), so the host owns it and the guest reads 0. */
static void write_cr_ownership(const struct x86_boot_state *s)
{
	/* Shadow paging also owns the paging-mode bits: a change exits, and
	 * stops the VM with a report (shadow.h). */
	vmwrite(VMCS_CR0_GUEST_HOST_MASK, PAGING_SHADOW ? SHADOW_PINNED_CR0 : 0);
	vmwrite(VMCS_CR0_READ_SHADOW, s->cr0);
	vmwrite(VMCS_CR4_GUEST_HOST_MASK, CR4_VMXE | (PAGING_SHADOW ? SHADOW_PINNED_CR4 : 0));
	vmwrite(VMCS_CR4_READ_SHADOW, s->cr4);
}

static void write_host_state(void)
{
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SELECTOR, read_cs());
	vmwrite(VMCS_HOST_SS_SELECTOR, read_ss());
	vmwrite(VMCS_HOST_DS_SELECTOR, read_ds());
	vmwrite(VMCS_HOST_ES_SELECTOR, read_es());
	vmwrite(VMCS_HOST_FS_SELECTOR, read_fs());
	vmwrite(VMCS_HOST_GS_SELECTOR, read_gs());
	vmwrite(VMCS_HOST_TR_SELECTOR, read_tr());
	vmwrite(VMCS_HOST_FS_BASE, rdmsr(IA32_FS_BASE));
	vmwrite(VMCS_HOST_GS_BASE, rdmsr(IA32_GS_BASE));
	vmwrite(VMCS_HOST_TR_BASE, host_tss_base());
	vmwrite(VMCS_HOST_GDTR_BASE, read_gdtr().base);
	vmwrite(VMCS_HOST_IDTR_BASE, read_idtr().base);
	vmwrite(VMCS_HOST_IA32_SYSENTER_CS, rdmsr(IA32_SYSENTER_CS));
	vmwrite(VMCS_HOST_IA32_SYSENTER_ESP, rdmsr(IA32_SYSENTER_ESP));
	vmwrite(VMCS_HOST_IA32_SYSENTER_EIP, rdmsr(IA32_SYSENTER_EIP));
	vmwrite(VMCS_HOST_IA32_EFER, rdmsr(IA32_EFER));
	vmwrite(VMCS_HOST_RIP, (u64)vmx_exit_entry);	/* HOST_RSP: set at each entry */
}

/* One segment register: selector, base, limit, access rights are four
 * fields whose encodings step by 2 from ES to TR (SDM Appendix B). */
#define SEGMENT_FIELD_STEP	2
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

static void write_segment(unsigned seg, const struct x86_segment *s)
{
	vmwrite(VMCS_GUEST_ES_SELECTOR + seg * SEGMENT_FIELD_STEP, s->selector);
	vmwrite(VMCS_GUEST_ES_BASE + seg * SEGMENT_FIELD_STEP, s->base);
	vmwrite(VMCS_GUEST_ES_LIMIT + seg * SEGMENT_FIELD_STEP, s->limit);
	vmwrite(VMCS_GUEST_ES_ACCESS_RIGHTS + seg * SEGMENT_FIELD_STEP, s->ar);
}

/* CR0 as VMX allows it (IA32_VMX_CR0_FIXED0/1), except that an
 * unrestricted guest may clear PE and PG. */
static u64 guest_cr0(u64 cr0)
{
	u64 must_be_one = rdmsr(IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);

	return (cr0 | must_be_one) & rdmsr(IA32_VMX_CR0_FIXED1);
}

static void write_guest_state(const struct x86_boot_state *s)
{
	static const struct x86_segment no_ldt = { .ar = SEG_AR_UNUSABLE };

	vmwrite(VMCS_GUEST_CR0, guest_cr0(s->cr0));
	vmwrite(VMCS_GUEST_CR3, s->cr3);
	vmwrite(VMCS_GUEST_CR4, vmx_apply_fixed_bits(s->cr4, IA32_VMX_CR4_FIXED0, IA32_VMX_CR4_FIXED1));
	vmwrite(VMCS_GUEST_IA32_EFER, s->efer);
	vmwrite(VMCS_GUEST_DR7, DR7_RESET_VALUE);
	vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
	write_segment(SEG_CS, &s->code);
	for (unsigned seg = SEG_ES; seg <= SEG_GS; seg++)
		if (seg != SEG_CS)
			write_segment(seg, &s->data);
	write_segment(SEG_LDTR, &no_ldt);
	write_segment(SEG_TR, &s->tr);
	vmwrite(VMCS_GUEST_GDTR_BASE, s->gdt_base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, s->gdt_limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, s->idt_base);	/* 64-bit guests: none, so an */
	vmwrite(VMCS_GUEST_IDTR_LIMIT, s->idt_limit);	/* exception is a triple fault */
	vmwrite(VMCS_GUEST_IA32_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_IA32_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_IA32_SYSENTER_EIP, 0);
	vmwrite(VMCS_GUEST_RSP, s->rsp);
	vmwrite(VMCS_GUEST_RIP, s->rip);
	vmwrite(VMCS_GUEST_RFLAGS, s->rflags);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_STATE_ACTIVE);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmwrite(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
	vmwrite(VMCS_VMCS_LINK_POINTER, VMCS_LINK_POINTER_NONE);
}

void vmx_load(struct vcpu *vcpu)
{
	enum vmx_result r = vmptrld((u64)vcpu->arch.control);

	if (r != VMX_SUCCEED)
		vmx_fatal("VMPTRLD", r);
	current_vcpu = vcpu;
}

void vmx_vcpu_init(struct vcpu *vcpu, const struct x86_boot_state *state)
{
	enum vmx_result r;

	*(u32 *)vcpu->arch.control = vmx_basic & VMX_BASIC_REVISION_ID_MASK;
	if ((r = vmclear((u64)vcpu->arch.control)) != VMX_SUCCEED)
		vmx_fatal("VMCLEAR", r);
	vmx_load(vcpu);
	write_controls(state);
	write_cr_ownership(state);
	write_host_state();
	write_guest_state(state);
	if (PAGING_SHADOW) {
		shadow_init(vcpu, state->cr3);
		vmwrite(VMCS_GUEST_CR3, shadow_root(vcpu));	/* the guest's CR3 is virtual */
	} else {
		vmwrite(VMCS_EPT_POINTER, ept_pointer(vcpu->vm));
		vmwrite(VMCS_VIRTUAL_PROCESSOR_ID, vcpu->vm->id + 1);	/* VPID 0 is the host's */
	}
}

void vmx_read_state(struct vcpu *vcpu, struct x86_guest_state *s)
{
	if (vcpu != current_vcpu)
		vmx_load(vcpu);
	s->rip = vmread(VMCS_GUEST_RIP);
	s->rsp = vmread(VMCS_GUEST_RSP);
	s->rflags = vmread(VMCS_GUEST_RFLAGS);
	s->cr0 = vmread(VMCS_GUEST_CR0);
	s->cr3 = PAGING_SHADOW ? vcpu->arch.shadow.guest_cr3 : vmread(VMCS_GUEST_CR3);
	s->cr4 = vmread(VMCS_GUEST_CR4);
	s->efer = vmread(VMCS_GUEST_IA32_EFER);
}

void vmx_set_efer(struct vcpu *vcpu, u64 efer)
{
	(void)vcpu;
	vmwrite(VMCS_GUEST_IA32_EFER, efer);
}

/* VM-entry event injection (SDM Vol. 3C, 27.6): the exception is raised
 * as the guest resumes, through its own IDT. */
void vmx_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error, u32 error)
{
	(void)vcpu;
	vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_HARDWARE_EXCEPTION |
		vector | (has_error ? INTR_INFO_DELIVER_ERROR_CODE : 0));
	vmwrite(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, error);
}

/* SS.DPL is the CPL (SDM Vol. 3C, 25.4.1). */
unsigned vmx_cpl(struct vcpu *vcpu)
{
	(void)vcpu;
	return (vmread(VMCS_GUEST_SS_ACCESS_RIGHTS) >> SEGMENT_AR_DPL_SHIFT) & SEGMENT_DPL_MASK;
}

void vmx_advance_rip(struct vcpu *vcpu, u64 bytes)
{
	(void)vcpu;	/* always the current VMCS: called right after its exit */
	vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + bytes);
}

/* A time slice is time on the CPU, exits handled for the VM included (as
 * the PIT's on AMD-V and the EL2 timer's on arm64), so it ends at a TSC
 * deadline. The VMX-preemption timer counts only while the guest runs:
 * each entry gives it what is left until the deadline (vmx_arm_timer). */
void vmx_set_timer(struct vcpu *vcpu, u64 microseconds)
{
	u64 tsc_ticks = microseconds * PLATFORM_TSC_HZ / USEC_PER_SEC;

	(void)vcpu;
	vmwrite(VMCS_PIN_BASED_VM_EXEC_CONTROL, tsc_ticks ? pin_controls_timer : pin_controls);
	vmx_slice_deadline = tsc_ticks ? rdtsc() + tsc_ticks : 0;
}

/* The timer counts down at the TSC rate divided by 2^IA32_VMX_MISC[4:0]
 * while the guest runs, and exits at zero (at once, if the slice is over). */
void vmx_arm_timer(void)
{
	u64 now = rdtsc(), rate = rdmsr(IA32_VMX_MISC) & VMX_MISC_PREEMPTION_TIMER_RATE_MASK;
	u64 left = (vmx_slice_deadline > now ? vmx_slice_deadline - now : 0) >> rate;

	vmwrite(VMCS_VMX_PREEMPTION_TIMER_VALUE, left > PREEMPTION_TIMER_MAX ? PREEMPTION_TIMER_MAX : left);
}
