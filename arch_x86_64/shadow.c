/* Shadow paging, written once for VT-x and AMD-V. Without EPT/NPT the CPU
 * walks one set of page tables, so the hypervisor builds them itself: for
 * each guest-virtual page the guest touches, it walks the guest's own tables
 * (checking that every table lies in the guest's RAM), sets their accessed
 * and dirty bits as the CPU would, and installs a shadow entry to the host
 * page. It keeps them in step with the guest the way a TLB is: emptied on a
 * CR3 load, one entry dropped on INVLPG; an entry the guest's tables forbid
 * is never made, and the guest gets its page fault with the right error. */
#include "arch.h"
#include "console.h"
#include "exit.h"
#include "x86_exit.h"
#include "mm.h"
#include "shadow.h"
#include "vm.h"
#include "x86.h"


static void *arena_page(struct shadow_mmu *s)
{
	if (s->used == SHADOW_ARENA_PAGES)
		return NULL;
	void *p = s->arena + (u64)s->used++ * PAGE_SIZE;
	memset(p, 0, PAGE_SIZE);
	return p;
}

/* Forget every shadow entry: the next accesses fault and refill them. */
static void shadow_reset(struct shadow_mmu *s)
{
	s->large_pages = false;
	s->used = 0;
	s->root = arena_page(s);
	s->flush_tlb = true;
}

void shadow_init(struct vcpu *vcpu, u64 guest_cr3)
{
	struct shadow_mmu *s = &vcpu->arch.shadow;

	s->arena = mm_alloc(SHADOW_ARENA_PAGES * PAGE_SIZE, PAGE_SIZE);
	s->guest_cr3 = guest_cr3;
	shadow_reset(s);
}

u64 shadow_root(struct vcpu *vcpu)
{
	return (u64)vcpu->arch.shadow.root;
}

void shadow_load_cr3(struct vcpu *vcpu, u64 guest_cr3)
{
	vcpu->arch.shadow.guest_cr3 = guest_cr3;
	shadow_reset(&vcpu->arch.shadow);
}

void shadow_set_nxe(struct vcpu *vcpu, bool nxe)
{
	vcpu->arch.shadow.nxe = nxe;
	shadow_reset(&vcpu->arch.shadow);
}

/* The shadow entry of `gva` at level 1, creating tables; NULL if the
 * arena is full. */
static u64 *shadow_leaf(struct shadow_mmu *s, u64 gva)
{
	u64 *table = s->root;

	for (int level = PT_LEVELS; level > 1; level--) {
		u64 *e = &table[pt_index(gva, level)];
		if (!(*e & PTE_PRESENT)) {
			u64 *next = arena_page(s);
			if (!next)
				return NULL;
			*e = (u64)next | PTE_PRESENT | PTE_WRITABLE | PTE_USER;
		}
		table = (u64 *)(*e & PTE_ADDR);
	}
	return &table[pt_index(gva, 1)];
}

/* INVLPG drops the shadow entry of one page; but a large guest page is
 * shadowed by many 4 KiB entries, all of which INVLPG must drop (SDM Vol. 3A,
 * 4.10.4.1), so while there are any, INVLPG empties the whole shadow. */
void shadow_invlpg(struct vcpu *vcpu, u64 gva)
{
	struct shadow_mmu *s = &vcpu->arch.shadow;
	u64 *table = s->root;

	if (s->large_pages) {
		shadow_reset(s);
		return;
	}
	for (int level = PT_LEVELS; level > 1; level--) {
		u64 e = table[pt_index(gva, level)];
		if (!(e & PTE_PRESENT))
			return;
		table = (u64 *)(e & PTE_ADDR);
	}
	table[pt_index(gva, 1)] = 0;
	s->flush_tlb = true;
}

/* XD (bit 63) in any entry the walk read (SDM Vol. 3A, 4.5.4 and 4.6.2;
 * APM Vol. 2, 5.6.1): with EFER.NXE, no instruction fetch from the page;
 * without, a reserved bit, which ends the walk where it stands. */
static u64 xd_in_walk(const struct guest_walk *w)
{
	u64 any = 0;

	for (unsigned i = 0; i < w->levels; i++)
		any |= *w->entries[i];
	return any & PTE_XD;
}

enum shadow_outcome shadow_page_fault(struct vcpu *vcpu, u64 gva, u64 error,
				      u64 *guest_error, u64 *gpa)
{
	struct shadow_mmu *s = &vcpu->arch.shadow;
	struct guest_walk w;
	u64 access = error & (PF_ERR_W | PF_ERR_U | PF_ERR_I);
	u64 fault = guest_walk(vcpu->vm, s->guest_cr3, gva, &w);
	bool executable = !xd_in_walk(&w);

	if (!executable && !s->nxe)
		fault = PF_ERR_P | PF_ERR_RSVD;

	if (fault) {
		*guest_error = access | (fault & (PF_ERR_P | PF_ERR_RSVD));
		return SHADOW_GUEST_FAULT;
	}
	u64 *leaf_entry = w.entries[w.levels - 1];
	for (unsigned i = 0; i < w.levels; i++)
		*w.entries[i] |= PTE_ACCESSED;		/* as the CPU's walk would */
	/* Permissions: user needs U everywhere; a write needs W everywhere
	 * (in ring 0 only when the guest set CR0.WP, as shadow mode requires);
	 * a fetch needs no XD anywhere. */
	if (((error & PF_ERR_U) && !w.user) || ((error & PF_ERR_W) && !w.writable) ||
	    ((error & PF_ERR_I) && !executable)) {
		*guest_error = access | PF_ERR_P;
		return SHADOW_GUEST_FAULT;
	}
	*gpa = w.gpa;
	u8 *host = vm_guest_ptr(vcpu->vm, w.gpa & ~(PAGE_SIZE - 1), PAGE_SIZE);
	if (!host)
		return SHADOW_NOT_RAM;
	if (error & PF_ERR_W)
		*leaf_entry |= PTE_DIRTY;
	u64 *leaf = shadow_leaf(s, gva);
	if (!leaf) {			/* arena full: start over, then retry once */
		shadow_reset(s);
		leaf = shadow_leaf(s, gva);
	}
	/* Writable only once the guest's dirty bit is set: the first write to
	 * a clean page faults again, so that its D bit can be set. */
	*leaf = (u64)host | PTE_PRESENT | (w.user ? PTE_USER : 0) | (executable ? 0 : PTE_XD) |
		(w.writable && (*leaf_entry & PTE_DIRTY) ? PTE_WRITABLE : 0);
	s->large_pages |= w.large;
	s->flush_tlb = true;
	return SHADOW_FILLED;
}

/* A #PF exit in shadow mode, for both back ends: resolve it and say what
 * the core should see. `inject` delivers a page fault to the guest. */
void shadow_exit(struct vcpu *vcpu, u64 gva, u64 error, struct exit *e,
		 void (*inject)(struct vcpu *vcpu, u64 gva, u64 error))
{
	u64 guest_error = 0, gpa = 0;

	switch (shadow_page_fault(vcpu, gva, error, &guest_error, &gpa)) {
	case SHADOW_FILLED:
		e->kind = EXIT_PAGING;
		break;
	case SHADOW_GUEST_FAULT:
		inject(vcpu, gva, guest_error);
		e->kind = EXIT_PAGING;
		break;
	case SHADOW_NOT_RAM:		/* a device, or outside the VM's memory */
		e->kind = EXIT_MMIO;
		e->addr = gpa;
		x86_decode_mmio(vcpu, e);
		break;
	}
}
