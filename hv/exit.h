/* One VM exit, as the portable core sees it. Each architecture decodes its
 * own syndrome (ESR_EL2, VMCS exit reason, VMCB exit code) into this. */
#pragma once
#include "types.h"

enum exit_kind {
	EXIT_HYPERCALL,	/* HVC / VMCALL / VMMCALL: args[0] = number, args[1..3] */
	EXIT_MMIO,	/* a guest load/store hit a region with no RAM behind it */
	EXIT_PIO,	/* IN/OUT to an I/O port (x86) */
	EXIT_SYSREG,	/* a trapped system register (MRS/MSR, RDMSR/WRMSR, CPUID) */
	EXIT_HALT,	/* WFI / HLT: the guest has nothing to do */
	EXIT_FIRMWARE,	/* SMC: a call to firmware (PSCI) */
	EXIT_PAGING,	/* work on the hypervisor's shadow page tables, already done */
	EXIT_TIMER,	/* the hypervisor's scheduling tick */
	EXIT_IRQ,	/* a device interrupt, handed on to the guest owning the device,
			 * or another CPU's kick (arch_vcpu_kick) */
	EXIT_UNHANDLED,	/* anything the core does not emulate */
	EXIT_KIND_COUNT
};

struct exit {
	enum exit_kind kind;
	u64 args[4];	/* HYPERCALL, FIRMWARE: the guest's argument registers */
	u64 addr;	/* MMIO: guest-physical address; PIO: port; SYSREG: encoding */
	u8 size;	/* MMIO, PIO: access size in bytes (0: not decoded) */
	bool write;	/* MMIO, PIO, SYSREG: store (true) or load (false) */
	u8 reg;		/* MMIO, PIO, SYSREG: the guest register read or written */
	u64 value;	/* ... and for a store, the value stored */
	u64 result;	/* filled in by the handler: returned to the guest */
	u8 insn_len;	/* bytes to step the guest PC past the instruction */
	u64 syndrome;	/* the raw architectural syndrome, for reports */
};

/* What happens after a handler ran. */
enum exit_action {
	EXIT_RESUME,		/* back into the same vCPU */
	EXIT_RESCHEDULE,	/* let the scheduler pick (yield, halt, tick) */
	EXIT_STOPPED,		/* this VM has ended */
};

const char *exit_kind_name(enum exit_kind kind);

struct vcpu;
struct vm;
enum exit_action handle_hypercall(struct vcpu *vcpu, struct exit *e);	/* hypercall.c */
/* A hypercall answered at once, with no scheduling decision (every one but
 * HC_YIELD and HC_EXIT): `a` holds the number and arguments; false, with
 * nothing done, for any other. An exit path's fast lane calls it. */
bool hypercall_immediate(struct vm *vm, const u64 a[4], u64 *result);

/* Handle one exit of `vcpu`; returns the vCPU to run next. */
struct vcpu *hv_handle_exit(struct vcpu *vcpu, struct exit *e);
/* The same for a decoded device access (e->kind EXIT_MMIO, size known),
 * from an exit path's fast lane: NULL, with nothing done, if no device
 * covers the address. */
struct vcpu *hv_fast_mmio(struct vcpu *vcpu, struct exit *e);
