/* The hosted hypervisor's shared half: what the VT-x and AMD-V back ends
 * have in common once the running kernel is a guest of itself (the
 * hypervisor leaf, the VMCALL ABI, exit statistics, the identity map of
 * the machine's memory), and what each back end must provide. */
#pragma once
#include <linux/irq_work.h>
#include <linux/types.h>
#include "hosted_abi.h"

/* What each exit is counted as (sysfs: /sys/kernel/hosted/exits). */
enum hosted_exit_class {
	HOSTED_EXIT_CPUID,
	HOSTED_EXIT_VMCALL,
	HOSTED_EXIT_MSR,
	HOSTED_EXIT_CR,
	HOSTED_EXIT_XSETBV,
	HOSTED_EXIT_NESTED_FAULT,	/* EPT violation / NPF: a bug with an identity map */
	HOSTED_EXIT_OTHER,
	HOSTED_EXIT_CLASSES
};

/* The guest's general-purpose registers as the world switches store them:
 * in the order of the register numbers in instructions, as the bare-metal
 * cores' struct x86_regs (arch_x86_64/arch_vcpu.h, whose entry macros the
 * assembly uses), RSP's place unused; then a frame for IRETQ, used only
 * when the CPU leaves guest mode for good. */
struct hosted_regs {
	u64 rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 iret_rip, iret_cs, iret_rflags, iret_rsp, iret_ss;
};

/* One CPU's hypervisor: the back end's state hangs off `arch`. */
struct hosted_cpu {
	u64 host_rsp;			/* hosted_entry.h: the assembly reads these */
	u64 host_cr3;			/* page tables no process owns: init_mm's */
	u64 guest_rsp, guest_rip, guest_rflags;	/* where the launch continues */
	u64 control_pa;			/* the VMCB (AMD-V) */
	u64 host_save_pa;		/* the host's VMSAVE area (AMD-V) */
	u64 launch_cr3;			/* the page tables the launch was called on */
	u16 launch_ss;
	int cpu;
	bool in_guest;			/* this CPU runs the kernel in non-root mode */
	int error;			/* why it could not enter (a negative errno) */
	const char *why;		/* and in words, for the one log line */
	void *host_stack;		/* the exit handler's own stack */
	u64 exits[HOSTED_EXIT_CLASSES];
	/* What the exit handler found worth a log line: it may not printk
	 * itself (the guest may hold the console's lock on this CPU), so an
	 * irq_work prints it once the guest runs again. */
	struct hosted_report {
		u64 code, info1, info2, rip;
		bool nested_fault;
	} report;
	struct irq_work report_work;
	void *arch;
};

/* A back end: VT-x (vmx.c) or AMD-V (svm.c). */
struct hosted_backend {
	const char *name;
	int (*probe)(const char **why);		/* may this CPU virtualize at all? */
	int (*setup)(void);			/* what every CPU shares (bitmaps) */
	void (*release)(void);
	int (*alloc)(struct hosted_cpu *c);	/* sleeping allocations, per CPU */
	void (*free)(struct hosted_cpu *c);
	void (*enter)(struct hosted_cpu *c);	/* on that CPU, interrupts off */
	void (*leave)(struct hosted_cpu *c);	/* on that CPU, interrupts off */
	const char *(*exit_name)(u64 code);	/* for the kernel log */
	/* The identity EPT/NPT: the same four-level walk with 2 MiB leaves
	 * for both; only the bits in an entry differ. */
	u64 nested_table_bits, nested_leaf_bits;
};

/* broken_entry=1 (a module parameter): the back end makes the guest state
 * illegal, so the first entry fails as a real mistake would. */
extern bool broken_entry;

extern const struct hosted_backend hosted_svm_backend;
extern const struct hosted_backend hosted_vmx_backend;

/* Shared exit handling (main.c): each returns true when the CPU must
 * leave guest mode (the LEAVE hypercall). */
void hosted_cpuid(struct hosted_cpu *c, u64 *rax, u64 *rbx, u64 *rcx, u64 *rdx);
bool hosted_vmcall(struct hosted_cpu *c, int cpl, u64 *rax, u64 *rbx, u64 *rcx);
void hosted_unexpected_exit(struct hosted_cpu *c, u64 code, u64 info1, u64 info2, u64 rip);
void hosted_nested_fault(struct hosted_cpu *c, u64 gpa, u64 qual, u64 rip);

/* The identity map (main.c, from the machine's memory map): its root's
 * physical address, for the VMCB's nCR3 or the VMCS's EPT pointer. */
extern u64 hosted_nested_root;
#define HOSTED_LOW_DEVICES_END	(4ULL << 30)	/* below 4 GiB: RAM, then MMIO holes */
#define HOSTED_LARGE_PAGE	(2ULL << 20)	/* 2 MiB pages in the nested tables */

/* The world-switch paths (svm_entry.S, vmx_entry.S). */
int hosted_svm_launch(struct hosted_cpu *c);
int hosted_vmx_launch(struct hosted_cpu *c);
extern const u8 hosted_vmx_exit_entry[];	/* the VMCS's host RIP */
