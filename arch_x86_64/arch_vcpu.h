/* The x86_64 part of a vCPU and a VM: the general registers the hardware
 * does not keep in the VMCS/VMCB, the vendor's control block, and the
 * second-stage (EPT/NPT) tables. */
#pragma once

/* Offsets used by the entry stubs (vmx/vmx_entry.S). */
#define REG_RAX	0x00
#define REG_RCX	0x08
#define REG_RDX	0x10
#define REG_RBX	0x18
#define REG_RBP	0x28
#define REG_RSI	0x30
#define REG_RDI	0x38
#define REG_R8	0x40
#define REG_R9	0x48
#define REG_R10	0x50
#define REG_R11	0x58
#define REG_R12	0x60
#define REG_R13	0x68
#define REG_R14	0x70
#define REG_R15	0x78

#ifndef __ASSEMBLER__
#include "types.h"

/* In the order of the register numbers in instructions (ModRM, REX), so
 * that gpr[n] is register n. RSP (4) lives in the VMCS/VMCB instead. */
struct x86_regs {
	u64 rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};
#define REG_NUM_RSP	4
_Static_assert(__builtin_offsetof(struct x86_regs, r15) == REG_R15, "entry stub offsets");

struct arch_vcpu {
	struct x86_regs regs;	/* first: the entry stubs find it at offset 0 */
	void *control;		/* this vCPU's VMCS or VMCB (4 KiB, host memory) */
	bool launched;		/* VMX: VMLAUNCH done, VMRESUME from now on */
};

struct arch_vm {
	u64 *stage2_root;	/* EPT or NPT top-level table (PML4) */
};
#endif
