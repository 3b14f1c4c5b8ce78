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

#ifdef __ASSEMBLER__
/* The 14 general registers that neither the VMCS nor the VMCB keeps (all
 * but RAX and RSP), between the CPU and the struct x86_regs at %rax. */
.macro load_guest_gprs_from_rax
	mov REG_RBX(%rax), %rbx
	mov REG_RCX(%rax), %rcx
	mov REG_RDX(%rax), %rdx
	mov REG_RSI(%rax), %rsi
	mov REG_RDI(%rax), %rdi
	mov REG_RBP(%rax), %rbp
	mov REG_R8(%rax), %r8
	mov REG_R9(%rax), %r9
	mov REG_R10(%rax), %r10
	mov REG_R11(%rax), %r11
	mov REG_R12(%rax), %r12
	mov REG_R13(%rax), %r13
	mov REG_R14(%rax), %r14
	mov REG_R15(%rax), %r15
.endm

/* The host's callee-saved registers (System V ABI), kept across the guest. */
.macro push_host_callee_saved
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro pop_host_callee_saved
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
.endm

.macro save_guest_gprs_to_rax
	mov %rbx, REG_RBX(%rax)
	mov %rcx, REG_RCX(%rax)
	mov %rdx, REG_RDX(%rax)
	mov %rsi, REG_RSI(%rax)
	mov %rdi, REG_RDI(%rax)
	mov %rbp, REG_RBP(%rax)
	mov %r8, REG_R8(%rax)
	mov %r9, REG_R9(%rax)
	mov %r10, REG_R10(%rax)
	mov %r11, REG_R11(%rax)
	mov %r12, REG_R12(%rax)
	mov %r13, REG_R13(%rax)
	mov %r14, REG_R14(%rax)
	mov %r15, REG_R15(%rax)
.endm
#else
#include "types.h"
#include "shadow.h"

/* In the order of the register numbers in instructions (ModRM, REX), so
 * that gpr[n] is register n. RSP (4) lives in the VMCS/VMCB instead. */
struct x86_regs {
	u64 rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};
#define REG_NUM_RSP	4
_Static_assert(__builtin_offsetof(struct x86_regs, r15) == REG_R15, "entry stub offsets");

/* The code page x86_prefix_length() read last (decode.c): while CR3 and the
 * guest's entries that mapped it hold what they held, a walk would find it
 * again. */
struct x86_code_page {
	u64 cr3, page;		/* the guest's CR3, the linear page */
	u64 *entries[4];	/* the guest's entries the walk read, leaf last, */
	u64 values[4];		/* and what they held */
	unsigned levels;
	const u8 *host;		/* the page in host memory; NULL: none kept */
};

/* What a guest can write without an exit and the hardware does not switch:
 * moved only when the CPU goes to another vCPU (world_switch.c). */
struct x86_switched {
	void *fpu;		/* FXSAVE or XSAVE area: x87, MMX, SSE, AVX, ... */
	u64 xcr0;		/* AMD-V does not intercept XSETBV */
	u64 dr[4];		/* DR0-DR3 */
	u64 dr6;		/* VT-x; the VMCB holds it on AMD-V */
	u64 kernel_gs_base;	/* VT-x (SWAPGS); VMSAVE/VMLOAD on AMD-V */
	u64 cr8;		/* VT-x (the TPR); V_TPR in the VMCB on AMD-V */
};

struct arch_vcpu {
	struct x86_regs regs;	/* first: the entry stubs find it at offset 0 */
	void *control;		/* this vCPU's VMCS or VMCB (4 KiB, host memory) */
	bool launched;		/* VMX: VMLAUNCH done, VMRESUME from now on */
	struct shadow_mmu shadow;	/* shadow paging only (shadow.c) */
	u64 guest_cr2;		/* VT-x does not switch CR2 between vCPUs: we do */
	struct x86_code_page code_page;	/* AMD-V without next-RIP save only */
	struct x86_switched switched;
};

struct arch_vm {
	u64 *stage2_root;	/* EPT or NPT top-level table (PML4) */
};
#endif
