/* The state an x86 guest starts in, the same under VT-x and AMD-V: either
 * what a boot loader leaves a 64-bit kernel (64-bit mode, paging on with an
 * identity map of the first GiB, flat segments, interrupts off), or, for a
 * VM started "from reset", 16-bit real mode as a PC CPU comes out of reset.
 * Each back end copies it into its VMCS/VMCB. */
#pragma once
#include "types.h"

struct vm;

/* A segment register as both VMCS and VMCB want it; `ar` holds descriptor
 * bits 40-47 and 52-55 (type, S, DPL, P, AVL, L, D/B, G) in bits 0-7, 12-15:
 * the VMCS access-rights format. */
struct x86_segment {
	u16 selector;
	u64 base;
	u32 limit;
	u32 ar;
};

struct x86_boot_state {
	bool long_mode;		/* false: 16-bit real mode */
	u64 rip, rsp, rflags;
	u64 cr0, cr3, cr4, efer;
	u64 gdt_base, idt_base;
	u16 gdt_limit, idt_limit;
	struct x86_segment code, data, tr;
};

#define SEG_AR_UNUSABLE	BIT(16)	/* VMCS only: "segment unusable" */
#define SEGMENT_AR_DPL_SHIFT	5	/* descriptor privilege level, bits 6:5 */
#define SEGMENT_DPL_MASK	3

void x86_boot_state_build(struct vm *vm, u64 entry, struct x86_boot_state *s);
