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

#define LEVELS		4
#define ENTRIES		512
#define PTE_P		BIT(0)
#define PTE_W		BIT(1)
#define PTE_U		BIT(2)
#define PTE_A		BIT(5)
#define PTE_D		BIT(6)
#define PTE_PS		BIT(7)
#define PTE_ADDR	MASK(51, 12)
#define CPUID_ADDR_SIZES 0x80000008
#define WALK_NOT_PRESENT BIT(63)	/* guest_walk(): a fault whose P bit is 0 */

static unsigned index_at(u64 va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & (ENTRIES - 1);
}

/* Address bits above the CPU's physical address width are reserved. */
static u64 reserved_address_bits(void)
{
	static u64 mask;

	if (!mask)
		mask = MASK(51, cpuid(CPUID_ADDR_SIZES, 0).eax & 0xff);
	return mask;
}

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

/* The shadow entry of `gva` at level 1, creating tables; NULL if the
 * arena is full. */
static u64 *shadow_leaf(struct shadow_mmu *s, u64 gva)
{
	u64 *table = s->root;

	for (int level = LEVELS; level > 1; level--) {
		u64 *e = &table[index_at(gva, level)];
		if (!(*e & PTE_P)) {
			u64 *next = arena_page(s);
			if (!next)
				return NULL;
			*e = (u64)next | PTE_P | PTE_W | PTE_U;
		}
		table = (u64 *)(*e & PTE_ADDR);
	}
	return &table[index_at(gva, 1)];
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
	for (int level = LEVELS; level > 1; level--) {
		u64 e = table[index_at(gva, level)];
		if (!(e & PTE_P))
			return;
		table = (u64 *)(e & PTE_ADDR);
	}
	table[index_at(gva, 1)] = 0;
	s->flush_tlb = true;
}

struct guest_walk {
	u64 gpa;
	bool large;		/* mapped by a 2 MiB or 1 GiB guest page */
	u64 *leaf;		/* the guest's entry that maps the page */
	bool writable, user;
};

/* Walk the guest's 4-level tables for `gva`. Returns 0, or the #PF error
 * bits P/RSVD of the architectural fault (WALK_NOT_PRESENT when P is 0).
 * A table outside the guest's RAM is never read: like memory that is not
 * there on a PC, it reads as all ones, an entry with reserved bits set. */
static u64 guest_walk(struct vcpu *vcpu, u64 gva, struct guest_walk *w)
{
	u64 table = vcpu->arch.shadow.guest_cr3 & PTE_ADDR;
	u64 *visited[LEVELS];
	int n = 0;

	w->writable = w->user = true;
	for (int level = LEVELS; level >= 1; level--) {
		u64 *e = vm_guest_ptr(vcpu->vm, table + index_at(gva, level) * 8, 8);
		if (!e)		/* no RAM there: it reads as all ones, reserved bits set */
			return PF_ERR_P | PF_ERR_RSVD;
		if (!(*e & PTE_P))
			return WALK_NOT_PRESENT;
		bool large = level <= 3 && level > 1 && (*e & PTE_PS);
		if ((*e & reserved_address_bits()) || (level == LEVELS && (*e & PTE_PS)))
			return PF_ERR_P | PF_ERR_RSVD;
		visited[n++] = e;
		w->writable &= !!(*e & PTE_W);
		w->user &= !!(*e & PTE_U);
		if (large || level == 1) {
			u64 size = BIT(12 + 9 * (level - 1));
			w->gpa = (*e & PTE_ADDR & ~(size - 1)) | (gva & (size - 1));
			w->leaf = e;
			w->large = large;
			for (int i = 0; i < n; i++)
				*visited[i] |= PTE_A;	/* as the CPU's walk would */
			return 0;
		}
		table = *e & PTE_ADDR;
	}
	return 0;
}

enum shadow_outcome shadow_page_fault(struct vcpu *vcpu, u64 gva, u64 error,
				      u64 *guest_error, u64 *gpa)
{
	struct shadow_mmu *s = &vcpu->arch.shadow;
	struct guest_walk w;
	u64 access = error & (PF_ERR_W | PF_ERR_U | PF_ERR_I);
	u64 fault = guest_walk(vcpu, gva, &w);

	if (fault) {
		*guest_error = access | (fault & (PF_ERR_P | PF_ERR_RSVD));
		return SHADOW_GUEST_FAULT;
	}
	/* Permissions: user needs U everywhere; a write needs W everywhere
	 * (in ring 0 only when the guest set CR0.WP, as shadow mode requires). */
	if (((error & PF_ERR_U) && !w.user) || ((error & PF_ERR_W) && !w.writable)) {
		*guest_error = access | PF_ERR_P;
		return SHADOW_GUEST_FAULT;
	}
	*gpa = w.gpa;
	u8 *host = vm_guest_ptr(vcpu->vm, w.gpa & ~(PAGE_SIZE - 1), PAGE_SIZE);
	if (!host)
		return SHADOW_NOT_RAM;
	if (error & PF_ERR_W)
		*w.leaf |= PTE_D;
	u64 *leaf = shadow_leaf(s, gva);
	if (!leaf) {			/* arena full: start over, then retry once */
		shadow_reset(s);
		leaf = shadow_leaf(s, gva);
	}
	/* Writable only once the guest's dirty bit is set: the first write to
	 * a clean page faults again, so that its D bit can be set. */
	*leaf = (u64)host | PTE_P | (w.user ? PTE_U : 0) |
		(w.writable && (*w.leaf & PTE_D) ? PTE_W : 0);
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
