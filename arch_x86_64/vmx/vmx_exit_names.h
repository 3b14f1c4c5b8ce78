/* VT-x basic exit reasons by name (SDM Vol. 3C, Appendix C), for reports:
 * shared by the bare-metal core (vmx_exit.c) and the hosted module
 * (hosted/vmx.c). */
#pragma once
#include "vmcs.h"

static const char *const vmx_reason_names[] = {
	[EXIT_REASON_EXCEPTION_OR_NMI] = "exception or NMI",
	[EXIT_REASON_EXTERNAL_INTERRUPT] = "external interrupt",
	[EXIT_REASON_TRIPLE_FAULT] = "triple fault",
	[EXIT_REASON_INIT_SIGNAL] = "INIT signal",
	[EXIT_REASON_SIPI] = "start-up IPI",
	[EXIT_REASON_CPUID] = "CPUID",
	[EXIT_REASON_GETSEC] = "GETSEC",
	[EXIT_REASON_HLT] = "HLT",
	[EXIT_REASON_INVD] = "INVD",
	[EXIT_REASON_VMCALL] = "VMCALL",
	[EXIT_REASON_VMCLEAR ... EXIT_REASON_VMXON] = "a VMX instruction",
	[EXIT_REASON_CR_ACCESS] = "control-register access",
	[EXIT_REASON_IO_INSTRUCTION] = "I/O instruction",
	[EXIT_REASON_RDMSR] = "RDMSR",
	[EXIT_REASON_WRMSR] = "WRMSR",
	[EXIT_REASON_INVALID_GUEST_STATE] = "VM-entry failure due to invalid guest state",
	[EXIT_REASON_MSR_LOADING] = "VM-entry failure due to MSR loading",
	[EXIT_REASON_MWAIT] = "MWAIT",
	[EXIT_REASON_MONITOR] = "MONITOR",
	[EXIT_REASON_EPT_VIOLATION] = "EPT violation",
	[EXIT_REASON_EPT_MISCONFIG] = "EPT misconfiguration",
	[EXIT_REASON_INVEPT] = "INVEPT",
	[EXIT_REASON_PREEMPTION_TIMER] = "VMX-preemption timer expired",
	[EXIT_REASON_INVVPID] = "INVVPID",
	[EXIT_REASON_XSETBV] = "XSETBV",
	[EXIT_REASON_VMFUNC] = "VMFUNC",
};

static inline const char *vmx_reason_name(u32 basic)
{
	if (basic < sizeof(vmx_reason_names) / sizeof(vmx_reason_names[0]) && vmx_reason_names[basic])
		return vmx_reason_names[basic];
	return "(not handled here)";
}
