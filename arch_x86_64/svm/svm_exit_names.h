/* AMD-V exit codes by name (APM Vol. 2, appendix C), for reports: shared
 * by the bare-metal core (svm_exit.c) and the hosted module
 * (hosted/svm.c), which see many of the same exits for different reasons. */
#pragma once
#include "vmcb.h"

static const struct { u64 code; const char *name; } svm_exit_names[] = {
	{ VMEXIT_CR3_READ, "VMEXIT_CR3_READ" },
	{ VMEXIT_CR3_WRITE, "VMEXIT_CR3_WRITE" },
	{ VMEXIT_CR0_WRITE + 4, "VMEXIT_CR4_WRITE (shadow paging pins CR4)" },
	{ VMEXIT_CR0_SEL_WRITE, "VMEXIT_CR0_SEL_WRITE (shadow paging pins CR0.PE/WP/PG)" },
	{ VMEXIT_EXCP0 + VECTOR_PAGE_FAULT, "VMEXIT_EXCP14 (page fault)" },
	{ VMEXIT_INVLPG, "VMEXIT_INVLPG" },
	{ VMEXIT_INTR, "VMEXIT_INTR" },
	{ VMEXIT_NMI, "VMEXIT_NMI" },
	{ VMEXIT_CPUID, "VMEXIT_CPUID" },
	{ VMEXIT_HLT, "VMEXIT_HLT" },
	{ VMEXIT_IOIO, "VMEXIT_IOIO" },
	{ VMEXIT_MSR, "VMEXIT_MSR" },
	{ VMEXIT_EXCP0 + 8, "VMEXIT_EXCP8 (double fault)" },
	{ VMEXIT_SHUTDOWN, "VMEXIT_SHUTDOWN (triple fault)" },
	{ VMEXIT_VMRUN, "VMEXIT_VMRUN" },
	{ VMEXIT_VMMCALL, "VMEXIT_VMMCALL" },
	{ VMEXIT_VMLOAD, "VMEXIT_VMLOAD" },
	{ VMEXIT_VMSAVE, "VMEXIT_VMSAVE" },
	{ VMEXIT_STGI, "VMEXIT_STGI" },
	{ VMEXIT_CLGI, "VMEXIT_CLGI" },
	{ VMEXIT_SKINIT, "VMEXIT_SKINIT" },
	{ VMEXIT_INVLPGA, "VMEXIT_INVLPGA" },
	{ VMEXIT_INVD, "VMEXIT_INVD" },
	{ VMEXIT_MONITOR, "VMEXIT_MONITOR" },
	{ VMEXIT_MWAIT, "VMEXIT_MWAIT" },
	{ VMEXIT_NPF, "VMEXIT_NPF (nested page fault)" },
	{ VMEXIT_INVALID, "VMEXIT_INVALID (the VMCB failed VMRUN's consistency checks)" },
};

static inline const char *svm_exit_name(u64 code)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(svm_exit_names); i++)
		if (svm_exit_names[i].code == code)
			return svm_exit_names[i].name;
	return "(not handled here)";
}
