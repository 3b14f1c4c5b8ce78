/* Intel VT-x, part 3: running a vCPU and decoding why it stopped. The
 * exit reason (SDM Vol. 3C, Appendix C) and the exit qualification become
 * one `struct exit` for the portable core in hv/exit.c. */
#include "backend.h"
#include "console.h"
#include "exit.h"
#include "vm.h"
#include "vmx.h"
#include "vmx_exit_names.h"
#include "config.h"
#include "shadow.h"
#include "x86.h"
#include "x86_exit.h"

/* struct exit.syndrome when VMLAUNCH/VMRESUME itself failed (not an exit). */
#define SYNDROME_ENTRY_INSTRUCTION_FAILED	BIT(32)

static void decode_io(struct vcpu *vcpu, u64 qual, struct exit *e)
{
	if (qual & (IO_QUAL_STRING | IO_QUAL_REP))
		return;		/* INS/OUTS: not emulated, stays EXIT_UNHANDLED */
	e->kind = EXIT_PIO;
	e->addr = qual >> IO_QUAL_PORT_SHIFT;
	e->size = (qual & IO_QUAL_SIZE_MASK) + 1;
	e->write = !(qual & IO_QUAL_DIRECTION_IN);
	e->reg = 0;	/* always AL, AX or EAX */
	e->value = vcpu->arch.regs.rax & (BIT(8 * e->size) - 1);
}

/* A page fault the guest must see: one its shadow-paged tables call for, or
 * its page walk reaching a table where no RAM is. */
static void inject_page_fault(struct vcpu *vcpu, u64 gva, u64 error)
{
	vcpu->arch.guest_cr2 = gva;
	vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, INTR_INFO_VALID | INTR_TYPE_HARDWARE_EXCEPTION |
		INTR_INFO_DELIVER_ERROR_CODE | VECTOR_PAGE_FAULT);
	vmwrite(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, error);
}

/* Shadow paging: MOV to or from CR3, with the register from the qualification. */
static void decode_cr_access(struct vcpu *vcpu, u64 qual, struct exit *e)
{
	u64 *gpr = &((u64 *)&vcpu->arch.regs)[CR_QUAL_GPR(qual)];

	if (CR_QUAL_NUMBER(qual) != 3 || CR_QUAL_GPR(qual) == REG_NUM_RSP)
		return;		/* only CR3 is intercepted; RSP is not used so */
	if (CR_QUAL_ACCESS_TYPE(qual) == CR_ACCESS_MOV_TO_CR)
		shadow_load_cr3(vcpu, *gpr);
	else if (CR_QUAL_ACCESS_TYPE(qual) == CR_ACCESS_MOV_FROM_CR)
		*gpr = vcpu->arch.shadow.guest_cr3;
	else
		return;
	e->kind = EXIT_PAGING;
}

/* An EPT violation: a device access, a reach outside the VM's memory, or
 * the guest's own page walk finding its table where no RAM is; that last
 * reads as all ones on a PC, so the guest gets its page fault (RSVD). */
static void decode_ept_violation(struct vcpu *vcpu, u64 qual, struct exit *e)
{
	if ((qual & EPT_QUAL_LINEAR_VALID) && !(qual & EPT_QUAL_TRANSLATED)) {
		inject_page_fault(vcpu, vmread(VMCS_GUEST_LINEAR_ADDRESS), PF_ERR_NO_MEMORY);
		e->kind = EXIT_PAGING;
		return;
	}
	e->kind = EXIT_MMIO;
	e->addr = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
	x86_decode_mmio(vcpu, e);
}

/* Instructions that exit only to be kept from the real CPU, answered in
 * intercept.c; anything else stays EXIT_UNHANDLED (the report names the
 * reason). Apart from decode(), so that its common cases stay as fast. */
static void decode_refused(u32 basic, struct exit *e)
{
	switch (basic) {
	case EXIT_REASON_VMCLEAR ... EXIT_REASON_VMXON:	/* VMX instructions: a CPU */
	case EXIT_REASON_INVEPT:	/* without VMX has none (intercept.c) */
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
	case EXIT_REASON_GETSEC:	/* SMX, hidden in CPUID */
	case EXIT_REASON_MONITOR:	/* hidden in CPUID too */
	case EXIT_REASON_MWAIT:
		e->kind = EXIT_SYSREG;
		e->addr = X86_SYSREG_UNDEFINED;
		break;
	case EXIT_REASON_INVD:
		e->kind = EXIT_SYSREG;
		e->addr = X86_SYSREG_INVD;
		e->insn_len = vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
		break;
	default:
		break;
	}
}

/* An exit that came from delivering an event, not from the instruction at
 * RIP (delivery.c): the event goes again as VM entry's injection, or the
 * VM stops. Only page faults and EPT violations arise so here. VM exit
 * clears the entry field, so a valid one now was injected by decode(). */
static void check_delivery(struct exit *e)
{
	u64 info = vmread(VMCS_IDT_VECTORING_INFO);

	if (!(info & INTR_INFO_VALID))
		return;
	bool injected = vmread(VMCS_VM_ENTRY_INTERRUPTION_INFO) & INTR_INFO_VALID;
	if (x86_exit_in_delivery(e, info, injected) != DELIVERY_AGAIN)
		return;
	vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, info & (INTR_INFO_VALID | INTR_INFO_DELIVER_ERROR_CODE |
							 INTR_INFO_TYPE_VECTOR));
	if (info & INTR_INFO_DELIVER_ERROR_CODE)
		vmwrite(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, vmread(VMCS_IDT_VECTORING_ERROR_CODE));
}

static void decode(struct vcpu *vcpu, struct exit *e)
{
	struct x86_regs *g = &vcpu->arch.regs;
	u32 reason = vmread(VMCS_EXIT_REASON);

	e->syndrome = reason;
	if (reason & EXIT_REASON_VM_ENTRY_FAILURE)
		return;
	switch (reason & EXIT_REASON_BASIC_MASK) {
	case EXIT_REASON_VMCALL:
		e->kind = EXIT_HYPERCALL;
		e->args[0] = g->rax, e->args[1] = g->rdi, e->args[2] = g->rsi, e->args[3] = g->rdx;
		e->insn_len = vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		decode_io(vcpu, vmread(VMCS_EXIT_QUALIFICATION), e);
		e->insn_len = vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
		break;
	case EXIT_REASON_CPUID:
		e->kind = EXIT_SYSREG;
		e->addr = X86_SYSREG_CPUID;
		e->insn_len = vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
		break;
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		e->kind = EXIT_SYSREG;
		e->addr = X86_SYSREG_MSR | (u32)g->rcx;
		e->write = (reason & EXIT_REASON_BASIC_MASK) == EXIT_REASON_WRMSR;
		e->value = (g->rdx << 32) | (u32)g->rax;
		e->insn_len = vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
		break;
	case EXIT_REASON_HLT:
		e->kind = EXIT_HALT;
		e->insn_len = vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
		break;
	case EXIT_REASON_EPT_VIOLATION:	/* RIP still at the instruction */
		decode_ept_violation(vcpu, vmread(VMCS_EXIT_QUALIFICATION), e);
		check_delivery(e);
		break;
	case EXIT_REASON_PREEMPTION_TIMER:
		e->kind = EXIT_TIMER;
		break;
	case EXIT_REASON_EXCEPTION_OR_NMI:	/* only #PF is intercepted (shadow paging) */
		if (INTR_INFO_VECTOR(vmread(VMCS_VM_EXIT_INTERRUPTION_INFO)) == VECTOR_PAGE_FAULT)
			shadow_exit(vcpu, vmread(VMCS_EXIT_QUALIFICATION),
				    vmread(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE), e, inject_page_fault);
		check_delivery(e);
		break;
	case EXIT_REASON_CR_ACCESS:
		decode_cr_access(vcpu, vmread(VMCS_EXIT_QUALIFICATION), e);
		e->insn_len = vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
		break;
	case EXIT_REASON_INVLPG:
		shadow_invlpg(vcpu, vmread(VMCS_EXIT_QUALIFICATION));
		e->kind = EXIT_PAGING;
		e->insn_len = vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH);
		break;
	default:
		decode_refused(reason & EXIT_REASON_BASIC_MASK, e);
	}
}

void vmx_run(struct vcpu *vcpu, struct exit *e)
{
	write_cr2(vcpu->arch.guest_cr2);	/* VMX does not switch CR2: it is the guest's */
	if (vmx_slice_deadline)
		vmx_arm_timer();
	int r = vmx_enter_guest(&vcpu->arch.regs, vcpu->arch.launched);

	vcpu->arch.guest_cr2 = read_cr2();
	e->kind = EXIT_UNHANDLED;
	e->insn_len = 0;
	if (r != VMX_SUCCEED) {
		e->syndrome = SYNDROME_ENTRY_INSTRUCTION_FAILED;
		e->addr = r;
		return;
	}
	vcpu->arch.launched = true;
	decode(vcpu, e);
}

static void report_ept_violation(u64 qual)
{
	printf("hv:   EPT violation at guest-physical 0x%lx: access %c%c%c, EPT allowed %c%c%c\n",
	       vmread(VMCS_GUEST_PHYSICAL_ADDRESS),
	       qual & EPT_QUAL_DATA_READ ? 'r' : '-', qual & EPT_QUAL_DATA_WRITE ? 'w' : '-',
	       qual & EPT_QUAL_INSTR_FETCH ? 'x' : '-', qual & EPT_QUAL_READABLE ? 'r' : '-',
	       qual & EPT_QUAL_WRITABLE ? 'w' : '-', qual & EPT_QUAL_EXECUTABLE ? 'x' : '-');
	if (qual & EPT_QUAL_LINEAR_VALID)
		printf("hv:   guest-linear address 0x%lx (%s)\n", vmread(VMCS_GUEST_LINEAR_ADDRESS),
		       qual & EPT_QUAL_TRANSLATED ? "the access itself" : "during a guest page walk");
}

void vmx_report(struct vcpu *vcpu, const struct exit *e)
{
	(void)vcpu;
	if (e->syndrome == SYNDROME_ENTRY_INSTRUCTION_FAILED) {
		u64 error = e->addr == VMX_FAIL_VALID ? vmread(VMCS_VM_INSTRUCTION_ERROR) : 0;
		printf("hv:   %s failed: %s, VM-instruction error %lu: %s\n",
		       vcpu->arch.launched ? "VMRESUME" : "VMLAUNCH",
		       e->addr == VMX_FAIL_VALID ? "VMfailValid" : "VMfailInvalid", error,
		       vm_instruction_error_name(error));
		return;
	}
	u32 basic = e->syndrome & EXIT_REASON_BASIC_MASK;
	u64 qual = vmread(VMCS_EXIT_QUALIFICATION);

	printf("hv:   VM exit reason %u (%s)%s, exit qualification 0x%lx\n", basic,
	       vmx_reason_name(basic), e->syndrome & EXIT_REASON_VM_ENTRY_FAILURE ?
	       ", VM-entry failure" : "", qual);
	if (basic == EXIT_REASON_EPT_VIOLATION)
		report_ept_violation(qual);
	x86_report_delivery(vmread(VMCS_IDT_VECTORING_INFO), vmread(VMCS_IDT_VECTORING_ERROR_CODE));
	if (basic == EXIT_REASON_EXCEPTION_OR_NMI &&
	    INTR_INFO_VECTOR(vmread(VMCS_VM_EXIT_INTERRUPTION_INFO)) == VECTOR_PAGE_FAULT)
		printf("hv:   page fault (#PF) at guest-linear 0x%lx, error code 0x%lx (shadow paging)\n",
		       qual, vmread(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE));
	if (e->kind == EXIT_MMIO && e->size)
		printf("hv:   decoded: %u-byte %s, register %u, instruction %u bytes\n", e->size,
		       e->write ? "store" : "load", e->reg, e->insn_len);
}
