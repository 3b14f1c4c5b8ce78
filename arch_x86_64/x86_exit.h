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
u64 x86_read_gpr(struct vcpu *vcpu, unsigned n);		/* vcpu.c */
bool x86_msr_access(struct vcpu *vcpu, struct exit *e);	/* msr.c */
bool x86_intercepted_insn(struct vcpu *vcpu, struct exit *e);	/* intercept.c */
bool x86_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error, u32 error);
