/* VMX capability MSRs and control adjustment (SDM Vol. 3C, Appendix A),
 * shared by the bare-metal core (vmx.c) and the hosted module
 * (hosted/vmx.c): each reads the MSRs its own way and reports a missing
 * control its own way, but what is allowed is computed here, once. */
#pragma once
#include "types.h"

/* IA32_FEATURE_CONTROL (SDM Vol. 4, table 2-2): firmware's say on VMXON */
#define IA32_FEATURE_CONTROL               0x03a
#define FEATURE_CONTROL_LOCK               (1ULL << 0)
#define FEATURE_CONTROL_VMX_INSIDE_SMX     (1ULL << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX    (1ULL << 2)

/* ---- VMX capability MSRs (SDM Vol. 4, table 2-2; Vol. 3C, Appendix A) ---- */
#define IA32_VMX_BASIC            0x480
#define IA32_VMX_PINBASED_CTLS    0x481
#define IA32_VMX_PROCBASED_CTLS   0x482
#define IA32_VMX_EXIT_CTLS        0x483
#define IA32_VMX_ENTRY_CTLS       0x484
#define IA32_VMX_MISC             0x485
#define IA32_VMX_CR0_FIXED0       0x486
#define IA32_VMX_CR0_FIXED1       0x487
#define IA32_VMX_CR4_FIXED0       0x488
#define IA32_VMX_CR4_FIXED1       0x489
#define IA32_VMX_PROCBASED_CTLS2  0x48b
#define IA32_VMX_EPT_VPID_CAP     0x48c
#define IA32_VMX_TRUE_PINBASED_CTLS  0x48d
#define IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define IA32_VMX_TRUE_EXIT_CTLS      0x48f
#define IA32_VMX_TRUE_ENTRY_CTLS     0x490

/* IA32_VMX_BASIC[55]: the TRUE_ capability MSRs exist (Appendix A.1) */
#define VMX_BASIC_TRUE_CONTROLS        (1ULL << 55)

enum vmx_control {
	VMX_PIN_BASED,
	VMX_PRIMARY_PROC_BASED,
	VMX_SECONDARY_PROC_BASED,
	VMX_EXIT,
	VMX_ENTRY,
};

static const struct {
	const char *name;
	u32 msr, true_msr;	/* capability MSR, and its TRUE_ variant (0: none) */
} vmx_control_msrs[] = {
	[VMX_PIN_BASED] = { "pin-based", IA32_VMX_PINBASED_CTLS, IA32_VMX_TRUE_PINBASED_CTLS },
	[VMX_PRIMARY_PROC_BASED] = { "primary processor-based", IA32_VMX_PROCBASED_CTLS,
				     IA32_VMX_TRUE_PROCBASED_CTLS },
	[VMX_SECONDARY_PROC_BASED] = { "secondary processor-based", IA32_VMX_PROCBASED_CTLS2, 0 },
	[VMX_EXIT] = { "VM-exit", IA32_VMX_EXIT_CTLS, IA32_VMX_TRUE_EXIT_CTLS },
	[VMX_ENTRY] = { "VM-entry", IA32_VMX_ENTRY_CTLS, IA32_VMX_TRUE_ENTRY_CTLS },
};

/* The MSR that says which controls of a kind may be 0 or 1: with
 * IA32_VMX_BASIC[55], the TRUE_ one, which forces fewer bits to 1. */
static inline u32 vmx_control_msr(enum vmx_control which, u64 vmx_basic)
{
	if (vmx_control_msrs[which].true_msr && (vmx_basic & VMX_BASIC_TRUE_CONTROLS))
		return vmx_control_msrs[which].true_msr;
	return vmx_control_msrs[which].msr;
}

/* A capability MSR's low half has a 1 where the control must be 1, its
 * high half a 0 where it must be 0 (Appendix A.3-A.5). */
static inline u32 vmx_controls_missing(u64 cap, u32 wanted)
{
	return wanted & ~(u32)(cap >> 32);
}

static inline u32 vmx_controls_adjusted(u64 cap, u32 wanted)
{
	return (wanted | (u32)cap) & (u32)(cap >> 32);
}
