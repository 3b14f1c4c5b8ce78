/* What differs between Intel VT-x and AMD-V, as one table of functions.
 * arch_x86_64/ chooses a back end at boot from CPUID (init.c) and calls
 * only through this table; arch_x86_64/vmx/ and arch_x86_64/svm/ fill it,
 * and arch_x86_64/trap_emulate/ when the target file asks for it. */
#pragma once
#include "types.h"

struct vm;
struct vcpu;
struct exit;
struct x86_boot_state;
struct x86_switched;

/* Guest state that the hardware keeps in the VMCS/VMCB, for reports and for
 * decoding an instruction at the guest's RIP. */
struct x86_guest_state {
	u64 rip, rsp, rflags, cr0, cr3, cr4, efer;
};

/* A second-stage table entry format (EPT or NPT). */
struct stage2_format {
	u64 table;		/* bits of an entry pointing at the next table */
	u64 leaf;		/* bits of an entry mapping memory (read/write/exec) */
	u64 large;		/* the bit making a level-2 entry a 2 MiB page */
};

/* struct x86_switched's registers that the back end's world switch already
 * covers (world_switch.c leaves them alone). */
#define X86_HW_SWITCHES_DR6		BIT(0)
#define X86_HW_SWITCHES_KERNEL_GS_BASE	BIT(1)
#define X86_HW_SWITCHES_CR8		BIT(2)

struct x86_backend {
	const char *name;
	u32 switched_by_hardware;	/* X86_HW_SWITCHES_* */
	bool (*probe)(void);		/* this CPU can do it; prints why not */
	void (*enable)(void);		/* VMXON, or EFER.SVME */
	const struct stage2_format *stage2;
	void (*vcpu_init)(struct vcpu *vcpu, const struct x86_boot_state *state);
	void (*load)(struct vcpu *vcpu);	/* make this vCPU's VMCS current */
	void (*run)(struct vcpu *vcpu, struct exit *e);	/* enter; decode the exit */
	void (*read_state)(struct vcpu *vcpu, struct x86_guest_state *s);
	void (*advance_rip)(struct vcpu *vcpu, u64 bytes);	/* past the trapped instruction */
	void (*set_efer)(struct vcpu *vcpu, u64 efer);	/* the guest's IA32_EFER */
	/* An exception for the guest's own IDT at the next entry (NULL: the
	 * back end cannot deliver one); the guest's privilege level (CPL). */
	void (*inject_exception)(struct vcpu *vcpu, u8 vector, bool has_error, u32 error);
	unsigned (*cpl)(struct vcpu *vcpu);
	void (*set_timer)(struct vcpu *vcpu, u64 microseconds);	/* 0: no time slice */
	void (*report)(struct vcpu *vcpu, const struct exit *e);	/* vendor lines */
};

/* world_switch.c */
void x86_fpu_init(void);
void x86_switched_init(struct x86_switched *s);
void x86_vcpu_switch(struct vcpu *prev, struct vcpu *next);

extern const struct x86_backend vmx_backend, svm_backend, trap_emulate_backend;
extern const struct x86_backend *backend;	/* the one in use */
