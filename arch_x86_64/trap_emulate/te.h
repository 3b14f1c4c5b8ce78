/* What the trap-and-emulate files share: the virtual CPU state the monitor
 * keeps for a deprivileged guest (the part the real CPU does not hold for
 * it), and the frame the CPU pushes when the guest faults into ring 0. */
#pragma once
#include "arch_vcpu.h"
#include "backend.h"
#include "vm.h"

/* The stack on entry to a trap stub, lowest address first: what the stub
 * pushed (vector, an error code or 0), then the CPU's interrupt frame
 * (SDM Vol. 3A, 6.14.2, figure 6-9). IRETQ takes rip..ss back. */
struct te_frame {
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

/* A descriptor-table register as LGDT/LIDT load it (emulated only). */
struct te_table_reg {
	u64 base;
	u16 limit;
};

/* One vCPU's virtual state, in the page arch_vcpu_init() gives every vCPU
 * (vcpu->arch.control). The real CPU runs the guest with the monitor's
 * GDT, IDT, TR, CR0/CR3/CR4 and IF=1; these are what the guest *believes*
 * it has set. */
struct te_vcpu {
	struct te_frame frame;		/* guest RIP, CS, RFLAGS, RSP, SS; last trap */
	u64 fault_address;		/* CR2 of the last #PF, for reports */
	bool virtual_if;		/* RFLAGS.IF as CLI/STI left it */
	u64 cr0, cr2, cr3, cr4, efer;
	struct te_table_reg gdtr, idtr;
	u16 ldtr, tr;
	u64 *address_space;		/* the PML4 the CPU uses while the guest runs */
	const char *what;		/* last instruction decoded, for reports */
};

static inline struct te_vcpu *te_vcpu(struct vcpu *vcpu)
{
	return (struct te_vcpu *)vcpu->arch.control;
}

/* te_entry.S: IRETQ into the guest at ring 3 with the registers of *regs;
 * returns when the guest faults, with *frame filled in. */
void te_enter_guest(struct x86_regs *regs, struct te_frame *frame);
extern const u64 te_trap_stubs[];	/* one per exception vector */

/* te_decode.c: turn the trap in te_vcpu(vcpu)->frame into an exit for the
 * core, or emulate it here; false when it was emulated and the guest may
 * simply go on. */
bool te_decode_trap(struct vcpu *vcpu, struct exit *e);
void te_report(struct vcpu *vcpu, const struct exit *e);
