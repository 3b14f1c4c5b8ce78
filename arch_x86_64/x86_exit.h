/* What the vendor exit decoders share with the rest of arch_x86_64/. */
#pragma once
#include "types.h"

struct vcpu;
struct exit;

/* struct exit.addr of an EXIT_SYSREG: CPUID, or an MSR number. */
#define X86_SYSREG_CPUID	BIT(32)
#define X86_SYSREG_MSR		BIT(33)
/* ... or an instruction intercepted only to keep it from the guest
 * (intercept.c): one its CPU does not have (#UD), or INVD. */
#define X86_SYSREG_UNDEFINED	BIT(34)
#define X86_SYSREG_INVD		BIT(35)

void x86_decode_mmio(struct vcpu *vcpu, struct exit *e);	/* decode.c */
bool x86_decode_mov_cr(struct vcpu *vcpu, unsigned *gpr, bool *to_cr, u8 *len);
u8 x86_length_0f_modrm(struct vcpu *vcpu);
u8 x86_prefix_length(struct vcpu *vcpu, u64 rip, u64 cr3, u64 efer);
bool x86_decode_linear_address(struct vcpu *vcpu, u64 *linear);
bool x86_software_interrupt_at_rip(struct vcpu *vcpu);
u64 x86_read_gpr(struct vcpu *vcpu, unsigned n);		/* vcpu.c */

/* delivery.c: an exit during event delivery (IDT-vectoring information,
 * EXITINTINFO: vector 7:0, type 10:8, error code valid 11, valid 31). */
#define X86_EVENT_VALID		BIT(31)
enum delivery {
	DELIVERY_NONE,		/* no event, or one the instruction raises again */
	DELIVERY_AGAIN,		/* inject the event as it was */
	DELIVERY_STOP,		/* e->kind is now EXIT_UNHANDLED: the VM stops */
};
enum delivery x86_exit_in_delivery(struct exit *e, u64 info, bool injected);
void x86_report_delivery(u64 info, u32 error_code);
const char *x86_vector_name(u64 vector);
bool x86_msr_access(struct vcpu *vcpu, struct exit *e);	/* msr.c */
bool x86_intercepted_insn(struct vcpu *vcpu, struct exit *e);	/* intercept.c */
bool x86_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error, u32 error);
