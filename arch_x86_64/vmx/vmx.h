/* What the VT-x files share: VMREAD/VMWRITE that stop with a message on
 * failure, control adjustment, and the capabilities read at start-up. */
#pragma once
#include "types.h"
#include "vmcs.h"
#include "vmx_controls.h"
#include "vmx_insn.h"
#include "arch_vcpu.h"
#include "backend.h"

struct vm;
struct vcpu;
struct exit;

extern u64 vmx_basic;		/* IA32_VMX_BASIC */
extern u64 vmx_ept_vpid_cap;	/* IA32_VMX_EPT_VPID_CAP */

u64 vmread(u64 field);
void vmwrite(u64 field, u64 value);
_Noreturn void vmx_fatal(const char *what, enum vmx_result r);
const char *vm_instruction_error_name(u64 error);
u32 vmx_adjust_controls(enum vmx_control which, u32 wanted);
u64 vmx_apply_fixed_bits(u64 value, u32 fixed0_msr, u32 fixed1_msr);

/* vmcs.c */
void vmx_vcpu_init(struct vcpu *vcpu, const struct x86_boot_state *state);
void vmx_load(struct vcpu *vcpu);
void vmx_read_state(struct vcpu *vcpu, struct x86_guest_state *s);
void vmx_advance_rip(struct vcpu *vcpu, u64 bytes);
void vmx_set_efer(struct vcpu *vcpu, u64 efer);
void vmx_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error, u32 error);
unsigned vmx_cpl(struct vcpu *vcpu);
void vmx_set_timer(struct vcpu *vcpu, u64 microseconds);
void vmx_arm_timer(void);		/* before an entry: what is left of the slice */
extern u64 vmx_slice_deadline;		/* ... which ends at this TSC value; 0: no slice */

/* vmx_exit.c */
void vmx_run(struct vcpu *vcpu, struct exit *e);
void vmx_report(struct vcpu *vcpu, const struct exit *e);

/* ept.c */
extern const struct stage2_format ept_format;
u64 ept_pointer(const struct vm *vm);

/* vmx_entry.S: load the guest GPRs, VMLAUNCH or VMRESUME; returns after
 * the next VM exit (VMX_SUCCEED) or at once if the instruction failed. */
int vmx_enter_guest(struct x86_regs *regs, int launched);
