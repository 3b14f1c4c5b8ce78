/* AMD-V, part 2: running a vCPU and decoding why it stopped. The exit code
 * (APM Vol. 2, appendix C) with EXITINFO1/2 becomes one `struct exit` for
 * the portable core in hv/exit.c. Without next-RIP save (QEMU's software
 * SVM has none) the hypervisor knows each intercepted instruction's length
 * itself; an I/O exit always brings the next RIP in EXITINFO2. */
#include "config.h"
#include "console.h"
#include "shadow.h"
#include "exit.h"
#include "svm.h"
#include "svm_exit_names.h"
#include "x86.h"
#include "x86_exit.h"

/* The length of an intercepted instruction: from next-RIP save when the
 * CPU has it, else what the instruction is known to take, and its
 * prefixes, read at RIP (a CS-prefixed VMMCALL is 4 bytes, not 3). */
static u8 insn_len(struct vcpu *vcpu, const struct vmcb *vmcb, u8 known)
{
	if (svm_features & SVM_FEATURE_NRIPS)
		return vmcb->control.nrip - vmcb->save.rip;
	return known + x86_prefix_length(vcpu, vmcb->save.rip, PAGING_SHADOW ?
					 vcpu->arch.shadow.guest_cr3 : vmcb->save.cr3, vmcb->save.efer);
}

static void decode_ioio(struct vcpu *vcpu, const struct vmcb *vmcb, struct exit *e)
{
	u64 info = vmcb->control.exitinfo1;

	if (info & (IOIO_STR | IOIO_REP))
		return;		/* INS/OUTS: not emulated, stays EXIT_UNHANDLED */
	e->kind = EXIT_PIO;
	e->addr = (info >> IOIO_PORT_SHIFT) & IOIO_PORT_MASK;
	e->size = info & IOIO_SZ32 ? 4 : info & IOIO_SZ16 ? 2 : 1;
	e->write = !(info & IOIO_TYPE_IN);
	e->reg = 0;	/* AL, AX or EAX */
	e->value = vcpu->arch.regs.rax & (BIT(8 * e->size) - 1);
	e->insn_len = vmcb->control.exitinfo2 - vmcb->save.rip;
}

/* A page fault the guest must see: one its shadow-paged tables call for, or
 * its page walk reaching a table where no RAM is. */
static void inject_page_fault(struct vcpu *vcpu, u64 gva, u64 error)
{
	struct vmcb *vmcb = vcpu_vmcb(vcpu);

	vmcb->save.cr2 = gva;
	vmcb->control.eventinj = EVENTINJ_VALID | EVENTINJ_TYPE_EXCEPTION | EVENTINJ_EV |
				 VECTOR_PAGE_FAULT | error << EVENTINJ_ERROR_SHIFT;
}

/* Shadow paging: MOV to or from CR3. Without decode assists the exit does
 * not say which register: the instruction is decoded (decode.c). */
static void decode_cr3(struct vcpu *vcpu, struct exit *e)
{
	unsigned gpr;
	bool to_cr;
	u8 len;

	if (!x86_decode_mov_cr(vcpu, &gpr, &to_cr, &len) || gpr == REG_NUM_RSP)
		return;		/* EXIT_UNHANDLED */
	u64 *reg = &((u64 *)&vcpu->arch.regs)[gpr];
	if (to_cr)
		shadow_load_cr3(vcpu, *reg);
	else
		*reg = vcpu->arch.shadow.guest_cr3;
	e->kind = EXIT_PAGING;
	e->insn_len = len;
}

/* INVLPG: without decode assists the address is not reported, so every
 * shadow entry is dropped: more refills, never a stale translation. */
static void decode_invlpg(struct vcpu *vcpu, const struct vmcb *vmcb, struct exit *e)
{
	u8 len = svm_features & SVM_FEATURE_NRIPS ? vmcb->control.nrip - vmcb->save.rip :
		 x86_length_0f_modrm(vcpu);

	if (!len)
		return;		/* EXIT_UNHANDLED */
	shadow_load_cr3(vcpu, vcpu->arch.shadow.guest_cr3);
	e->kind = EXIT_PAGING;
	e->insn_len = len;
}

/* A nested page fault: a device access, a reach outside the VM's memory,
 * or the guest's own page walk finding its table where no RAM is; that
 * last reads as all ones on a PC, so the guest gets its page fault (RSVD).
 * Without decode assists the faulting linear address comes from decoding
 * the instruction's memory operand. */
static void decode_npf(struct vcpu *vcpu, const struct vmcb *vmcb, struct exit *e)
{
	u64 linear;

	if (vmcb->control.exitinfo1 & NPF_GUEST_PAGE_TABLES) {
		if (!x86_decode_linear_address(vcpu, &linear))
			return;		/* EXIT_UNHANDLED: stopped, with the report */
		inject_page_fault(vcpu, linear, PF_ERR_NO_MEMORY);
		e->kind = EXIT_PAGING;
		return;
	}
	e->kind = EXIT_MMIO;
	e->addr = vmcb->control.exitinfo2;
	x86_decode_mmio(vcpu, e);
}

/* Instructions intercepted only to keep them from the real CPU, answered
 * in intercept.c; anything else stays EXIT_UNHANDLED (the report names the
 * exit code). Apart from decode(), so that its common cases stay as fast. */
static void decode_refused(struct vcpu *vcpu, const struct vmcb *vmcb, u64 code, struct exit *e)
{
	switch (code) {
	case VMEXIT_VMRUN:	/* SVM instructions: a CPU without SVM has none (intercept.c) */
	case VMEXIT_VMLOAD:
	case VMEXIT_VMSAVE:
	case VMEXIT_STGI:
	case VMEXIT_CLGI:
	case VMEXIT_SKINIT:
	case VMEXIT_INVLPGA:
	case VMEXIT_MONITOR:	/* hidden in CPUID too */
	case VMEXIT_MWAIT:
		e->kind = EXIT_SYSREG;
		e->addr = X86_SYSREG_UNDEFINED;
		break;
	case VMEXIT_INVD:
		e->kind = EXIT_SYSREG;
		e->addr = X86_SYSREG_INVD;
		e->insn_len = insn_len(vcpu, vmcb, INSN_LEN_INVD);
		break;
	default:
		break;
	}
}

/* An exit that came from delivering an event, not from the instruction at
 * RIP (delivery.c): the event goes again through EVENTINJ (the same layout
 * as EXITINTINFO), or the VM stops. Only page faults and nested page
 * faults arise so here. Bochs 2.7 records EXITINTINFO for exceptions and
 * injected events only, not for INT n, INT3, INTO or INT1: an exit while
 * one of these is delivered shows the last event recorded before (a #UD
 * long handled, say). A software interrupt at RIP runs again instead, which
 * raises its event again, as hardware's own record (type 4) would say. */
static __attribute__((noinline)) void in_delivery(struct vcpu *vcpu, struct vmcb *vmcb, struct exit *e)
{
	u64 info = vmcb->control.exitintinfo;

	if (x86_exit_in_delivery(e, info, vmcb->control.eventinj & EVENTINJ_VALID) == DELIVERY_AGAIN &&
	    !x86_software_interrupt_at_rip(vcpu))
		vmcb->control.eventinj = info;
}

/* Apart, so that the exits without an event stay as fast. */
static inline void check_delivery(struct vcpu *vcpu, struct vmcb *vmcb, struct exit *e)
{
	if (vmcb->control.exitintinfo & X86_EVENT_VALID)
		in_delivery(vcpu, vmcb, e);
}

static void decode(struct vcpu *vcpu, struct exit *e)
{
	struct vmcb *vmcb = vcpu_vmcb(vcpu);
	struct x86_regs *g = &vcpu->arch.regs;
	u64 code = svm_exitcode(vmcb);

	e->syndrome = code;
	switch (code) {
	case VMEXIT_VMMCALL:
		e->kind = EXIT_HYPERCALL;
		e->args[0] = g->rax, e->args[1] = g->rdi, e->args[2] = g->rsi, e->args[3] = g->rdx;
		e->insn_len = insn_len(vcpu, vmcb, INSN_LEN_VMMCALL);
		break;
	case VMEXIT_IOIO:
		decode_ioio(vcpu, vmcb, e);
		break;
	case VMEXIT_CPUID:
		e->kind = EXIT_SYSREG;
		e->addr = X86_SYSREG_CPUID;
		e->insn_len = insn_len(vcpu, vmcb, INSN_LEN_CPUID);
		break;
	case VMEXIT_MSR:
		e->kind = EXIT_SYSREG;
		e->addr = X86_SYSREG_MSR | (u32)g->rcx;
		e->write = vmcb->control.exitinfo1 & MSR_EXITINFO1_WRITE;
		e->value = (g->rdx << 32) | (u32)g->rax;
		e->insn_len = insn_len(vcpu, vmcb, INSN_LEN_MSR);
		break;
	case VMEXIT_HLT:
		e->kind = EXIT_HALT;
		e->insn_len = insn_len(vcpu, vmcb, INSN_LEN_HLT);
		break;
	case VMEXIT_NPF:		/* RIP still at the instruction */
		decode_npf(vcpu, vmcb, e);
		check_delivery(vcpu, vmcb, e);
		break;
	case VMEXIT_EXCP0 + VECTOR_PAGE_FAULT:	/* shadow paging only */
		shadow_exit(vcpu, vmcb->control.exitinfo2, vmcb->control.exitinfo1, e,
			    inject_page_fault);
		check_delivery(vcpu, vmcb, e);
		break;
	case VMEXIT_CR3_READ:
	case VMEXIT_CR3_WRITE:
		decode_cr3(vcpu, e);
		break;
	case VMEXIT_INVLPG:
		decode_invlpg(vcpu, vmcb, e);
		break;
	case VMEXIT_INTR:	/* the host took the interrupt already (svm_entry.S) */
		e->kind = EXIT_TIMER;
		break;
	default:
		decode_refused(vcpu, vmcb, code, e);
	}
}

void svm_run(struct vcpu *vcpu, struct exit *e)
{
	struct vmcb *vmcb = vcpu_vmcb(vcpu);

	vmcb->save.rax = vcpu->arch.regs.rax;	/* VMRUN loads RAX from the VMCB */
	if (PAGING_SHADOW && vcpu->arch.shadow.flush_tlb) {	/* shadow entries changed */
		vmcb->control.tlb_control = TLB_CONTROL_FLUSH_ALL_ASIDS;
		vcpu->arch.shadow.flush_tlb = false;
	}
	/* VMRUN loads the guest's CR2 from the VMCB; Bochs 2.7 does not, so the
	 * real register gets the same value first (harmless elsewhere). */
	write_cr2(vmcb->save.cr2);
	svm_enter_guest(&vcpu->arch.regs, (u64)vmcb, svm_host_vmcb());
	vmcb->control.tlb_control = TLB_CONTROL_DO_NOTHING;
	vcpu->arch.regs.rax = vmcb->save.rax;
	e->kind = EXIT_UNHANDLED;
	e->insn_len = 0;
	decode(vcpu, e);
}

void svm_report(struct vcpu *vcpu, const struct exit *e)
{
	const struct vmcb_control_area *c = &vcpu_vmcb(vcpu)->control;
	u64 info1 = c->exitinfo1;

	printf("hv:   #VMEXIT code 0x%lx (%s), EXITINFO1 0x%lx, EXITINFO2 0x%lx\n",
	       e->syndrome, svm_exit_name(e->syndrome), info1, c->exitinfo2);
	if (e->syndrome == VMEXIT_NPF)
		printf("hv:   nested page fault at guest-physical 0x%lx: %s %s%s%s\n", c->exitinfo2,
		       info1 & NPF_P ? "protection violation," : "not present,",
		       info1 & NPF_RW ? "write" : "read", info1 & NPF_ID ? ", instruction fetch" : "",
		       info1 & NPF_GUEST_PAGE_TABLES ? ", during a guest page walk" : "");
	if (e->syndrome == VMEXIT_EXCP0 + VECTOR_PAGE_FAULT)
		printf("hv:   page fault (#PF) at guest-linear 0x%lx, error code 0x%lx (shadow paging)\n",
		       c->exitinfo2, info1);
	x86_report_delivery(c->exitintinfo, c->exitintinfo >> 32);
	if (e->kind == EXIT_MMIO && e->size)
		printf("hv:   decoded: %u-byte %s, register %u, instruction %u bytes\n", e->size,
		       e->write ? "store" : "load", e->reg, e->insn_len);
}
