/* Shadow paging: page tables the hypervisor keeps for a guest that runs
 * without EPT/NPT (shadow.c). The vendor back ends only supply the
 * intercepts: guest page faults, CR3 loads and INVLPG. */
#pragma once
#include "guest_paging.h"

struct vcpu;

#define SHADOW_ARENA_PAGES	128	/* shadow tables per vCPU; a full arena is emptied */

struct shadow_mmu {
	u64 guest_cr3;		/* what the guest loaded; the CPU uses `root` */
	u64 *root;		/* the shadow PML4 (host memory) */
	u8 *arena;		/* SHADOW_ARENA_PAGES pages for the shadow tables */
	unsigned used;
	bool flush_tlb;		/* shadow entries changed: flush before the next entry */
	bool large_pages;	/* some shadow entries come from 2 MiB/1 GiB guest pages */
	bool nxe;		/* the guest's EFER.NXE: its XD bits count (or are reserved) */
};

/* The guest wrote EFER.NXE: every shadow entry was made by the old rule. */
void shadow_set_nxe(struct vcpu *vcpu, bool nxe);

enum shadow_outcome {
	SHADOW_FILLED,		/* the guest's tables allow it: a shadow entry now does too */
	SHADOW_GUEST_FAULT,	/* the guest's own tables forbid it: give it the #PF */
	SHADOW_NOT_RAM,		/* translated to a guest-physical address with no RAM */
};


/* The paging mode the shadow tables are built for: 4-level paging, with
 * CR0.WP set so that read-only shadow entries bind ring 0 too (dirty-bit
 * tracking). A shadow-paged guest that changes these bits is stopped with a
 * report: the VT-x back end owns them through its CR masks, the AMD-V back
 * end intercepts the writes. */
#define SHADOW_PINNED_CR0	(BIT(0) | BIT(16) | BIT(31))	/* PE, WP, PG */
#define SHADOW_PINNED_CR4	(BIT(4) | BIT(5) | BIT(7))	/* PSE, PAE, PGE */

void shadow_init(struct vcpu *vcpu, u64 guest_cr3);
u64 shadow_root(struct vcpu *vcpu);
void shadow_load_cr3(struct vcpu *vcpu, u64 guest_cr3);
void shadow_invlpg(struct vcpu *vcpu, u64 gva);
/* A #PF at `gva` with the CPU's `error` code: resolve it against the guest's
 * own tables. Fills *guest_error for SHADOW_GUEST_FAULT, *gpa otherwise. */
enum shadow_outcome shadow_page_fault(struct vcpu *vcpu, u64 gva, u64 error,
				      u64 *guest_error, u64 *gpa);

struct exit;
/* The whole #PF exit for a back end: resolved into e->kind (EXIT_PAGING or
 * EXIT_MMIO); a guest fault is handed to `inject`. */
void shadow_exit(struct vcpu *vcpu, u64 gva, u64 error, struct exit *e,
		 void (*inject)(struct vcpu *vcpu, u64 gva, u64 error));
