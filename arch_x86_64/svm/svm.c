/* AMD-V, part 1: turning SVM on (APM Vol. 2, 15.4) and filling a vCPU's
 * VMCB. Where VT-x has VMXON, VMREAD/VMWRITE and capability MSRs, AMD-V has
 * EFER.SVME and a plain 4 KiB structure written with ordinary stores;
 * VMRUN takes its physical address. The back-end table is at the bottom. */
#include "arch.h"
#include "backend.h"
#include "console.h"
#include "config.h"
#include "guest_state.h"
#include "shadow.h"
#include "pic.h"
#include "svm.h"
#include "x86.h"

#define DR7_RESET_VALUE		0x400ULL
#define PAT_RESET_VALUE		0x0007040600070406ULL	/* WB, WT, UC-, UC, twice */
#define RFLAGS_IF		BIT(9)
#define ALL_INTERCEPTED		0xff
#define VECTOR_DOUBLE_FAULT	8

u32 svm_features;
static u8 host_save_area[HSAVE_SIZE] __attribute__((aligned(PAGE_SIZE)));	/* VM_HSAVE_PA */
static struct vmcb host_vmcb __attribute__((aligned(PAGE_SIZE)));	/* VMSAVE/VMLOAD */
static u8 io_permission_map[IOPM_SIZE] __attribute__((aligned(PAGE_SIZE)));
static u8 msr_permission_map[MSRPM_SIZE] __attribute__((aligned(PAGE_SIZE)));

static bool svm_probe(void)
{
	if (!(cpuid(CPUID_LEAF_EXT_FEATURES, 0).ecx & CPUID_80000001_ECX_SVM)) {
		printf("hv: no AMD-V: CPUID.80000001:ECX.SVM[bit 2] = 0\n");
		return false;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		printf("hv: AMD-V disabled by firmware (VM_CR.SVMDIS = 1)\n");
		return false;
	}
	svm_features = cpuid(CPUID_LEAF_SVM_FEATURES, 0).edx;
	if (!(svm_features & SVM_FEATURE_NP)) {
		printf("hv: AMD-V without nested paging (CPUID 8000_000A EDX.NP = 0)\n");
		return false;
	}
	return true;
}

/* EFER.SVME makes VMRUN and friends legal; VMRUN keeps part of the host's
 * state in the page at VM_HSAVE_PA. Every port and MSR is intercepted. */
static void svm_enable(void)
{
	wrmsr(IA32_EFER, rdmsr(IA32_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (u64)host_save_area);
	memset(io_permission_map, ALL_INTERCEPTED, sizeof(io_permission_map));
	memset(msr_permission_map, ALL_INTERCEPTED, sizeof(msr_permission_map));
	printf("hv: EFER.SVME set; SVM features (CPUID 8000_000A EDX) 0x%x:%s%s%s\n",
	       svm_features, svm_features & SVM_FEATURE_NP ? " nested-paging" : "",
	       svm_features & SVM_FEATURE_NRIPS ? " next-RIP-save" : "",
	       svm_features & SVM_FEATURE_DECODE_ASSISTS ? " decode-assists" : "");
}

static void write_control(struct vcpu *vcpu, struct vmcb_control_area *c)
{
	/* What exits. VMRUN must be intercepted, or VMRUN itself fails. */
	c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_CPUID | INTERCEPT_HLT |
			     INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT | INTERCEPT_SHUTDOWN |
			     INTERCEPT_INVD | INTERCEPT_INVLPGA;
	/* The guest runs with EFER.SVME set (VMRUN insists): every other SVM
	 * instruction would work on the real CPU, on host-physical addresses
	 * and the real GIF, unless intercepted (intercept.c answers #UD). */
	c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
			     INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT |
			     INTERCEPT_MONITOR | INTERCEPT_MWAIT;
	/* A double fault is the guest's last chance; intercepting it stops a
	 * broken guest before its triple fault, which Bochs 2.7 turns into a
	 * machine reset instead of VMEXIT_SHUTDOWN. */
	c->intercept_exceptions = BIT(VECTOR_DOUBLE_FAULT);
	c->iopm_base_pa = (u64)io_permission_map;
	c->msrpm_base_pa = (u64)msr_permission_map;
	c->guest_asid = vcpu->vm->id + 1;	/* TLB tag; ASID 0 is the host's */
	c->tlb_control = TLB_CONTROL_DO_NOTHING;
	c->v_intr = V_INTR_MASKING;		/* physical interrupts stay the host's */
	if (PAGING_SHADOW) {
		/* No NPT: the CPU walks the hypervisor's shadow tables, and
		 * every CR3 access, INVLPG and #PF comes to the hypervisor. */
		c->intercept_cr_reads = INTERCEPT_CR3;
		/* CR4 writes, and CR0 writes that change more than TS/MP, exit
		 * and stop the VM: shadow paging pins those bits (shadow.h). */
		c->intercept_cr_writes = INTERCEPT_CR3 | INTERCEPT_CR4;
		c->intercept_misc1 |= INTERCEPT_CR0_SEL_WRITE;
		c->intercept_misc1 |= INTERCEPT_INVLPG;
		c->intercept_exceptions |= BIT(VECTOR_PAGE_FAULT);
	} else {
		c->np_enable = NP_ENABLE;
		c->n_cr3 = (u64)vcpu->vm->arch.stage2_root;
	}
	c->eventinj = 0;
}

/* VMCB attributes: descriptor bits 47:40 in 7:0 and 55:52 in 11:8. */
static void write_segment(struct vmcb_segment *d, const struct x86_segment *s)
{
	d->selector = s->selector;
	d->attrib = (s->ar & 0xff) | ((s->ar >> 4) & 0xf00);
	d->limit = s->limit;
	d->base = s->base;
}

static void write_state(struct vmcb_state_save_area *v, const struct x86_boot_state *s)
{
	static const struct x86_segment no_ldt = { 0 };

	write_segment(&v->cs, &s->code);
	write_segment(&v->ss, &s->data);
	write_segment(&v->ds, &s->data);
	write_segment(&v->es, &s->data);
	write_segment(&v->fs, &s->data);
	write_segment(&v->gs, &s->data);
	write_segment(&v->ldtr, &no_ldt);
	write_segment(&v->tr, &s->tr);
	v->gdtr.base = s->gdt_base, v->gdtr.limit = s->gdt_limit;
	v->idtr.base = s->idt_base, v->idtr.limit = s->idt_limit;
	v->cpl = 0;
	v->efer = s->efer | EFER_SVME;	/* VMRUN insists on it; the guest reads 0 (msr.c) */
	v->cr0 = s->cr0;		/* no fixed bits, unlike VT-x */
	v->cr3 = s->cr3;
	v->cr4 = s->cr4;
	v->dr6 = DR6_RESET_VALUE;
	v->dr7 = DR7_RESET_VALUE;
	v->g_pat = PAT_RESET_VALUE;
	/* IF=1: with V_INTR_MASKING the guest's IF masks only virtual
	 * interrupts, of which there are none. Bochs 2.7 needs it anyway: its
	 * VMRUN applies the guest's RFLAGS too early, and a guest IF=0 would
	 * hold off the timer's INTR exit for good. */
	v->rflags = s->rflags | RFLAGS_IF;
	v->rip = s->rip;
	v->rsp = s->rsp;
}

static void svm_vcpu_init(struct vcpu *vcpu, const struct x86_boot_state *state)
{
	struct vmcb *vmcb = vcpu_vmcb(vcpu);

	write_control(vcpu, &vmcb->control);
	write_state(&vmcb->save, state);
	if (PAGING_SHADOW) {
		shadow_init(vcpu, state->cr3);
		vmcb->save.cr3 = shadow_root(vcpu);	/* the guest's CR3 is virtual */
	}
}

static void svm_load(struct vcpu *vcpu)
{
	(void)vcpu;	/* nothing: VMRUN names the VMCB each time */
}

static void svm_read_state(struct vcpu *vcpu, struct x86_guest_state *s)
{
	struct vmcb_state_save_area *v = &vcpu_vmcb(vcpu)->save;

	*s = (struct x86_guest_state){
		.rip = v->rip, .rsp = v->rsp, .rflags = v->rflags,
		.cr0 = v->cr0, .cr4 = v->cr4, .efer = v->efer,
		.cr3 = PAGING_SHADOW ? vcpu->arch.shadow.guest_cr3 : v->cr3,
	};
}

static void svm_advance_rip(struct vcpu *vcpu, u64 bytes)
{
	vcpu_vmcb(vcpu)->save.rip += bytes;
}

static void svm_set_efer(struct vcpu *vcpu, u64 efer)
{
	vcpu_vmcb(vcpu)->save.efer = efer | EFER_SVME;
}

/* EVENTINJ: the exception is raised at VMRUN, through the guest's IDT. */
static void svm_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error, u32 error)
{
	vcpu_vmcb(vcpu)->control.eventinj = EVENTINJ_VALID | EVENTINJ_TYPE_EXCEPTION | vector |
		(has_error ? EVENTINJ_EV | (u64)error << EVENTINJ_ERROR_SHIFT : 0);
}

static unsigned svm_cpl(struct vcpu *vcpu)
{
	return vcpu_vmcb(vcpu)->save.cpl;
}

/* A time slice: the PIT's IRQ 0, which ends the guest's run through the
 * INTR intercept. */
static void svm_set_timer(struct vcpu *vcpu, u64 microseconds)
{
	(void)vcpu;
	if (microseconds)
		pit_oneshot(microseconds);
	else
		pit_stop();
}

const struct x86_backend svm_backend = {
	.name = "AMD-V (SVM)",
	/* DR6 and V_TPR are in the VMCB; VMSAVE/VMLOAD (svm_entry.S) switch
	 * KernelGsBase with STAR, LSTAR, CSTAR, SFMASK and the SYSENTER MSRs. */
	.switched_by_hardware = X86_HW_SWITCHES_DR6 | X86_HW_SWITCHES_KERNEL_GS_BASE |
				X86_HW_SWITCHES_CR8,
	.probe = svm_probe,
	.enable = svm_enable,
	.stage2 = &npt_format,
	.vcpu_init = svm_vcpu_init,
	.load = svm_load,
	.run = svm_run,
	.read_state = svm_read_state,
	.advance_rip = svm_advance_rip,
	.set_efer = svm_set_efer,
	.inject_exception = svm_inject_exception,
	.cpl = svm_cpl,
	.set_timer = svm_set_timer,
	.report = svm_report,
};

/* VMSAVE/VMLOAD of the host's own hidden state, for svm_exit.c. */
u64 svm_host_vmcb(void)
{
	return (u64)&host_vmcb;
}
