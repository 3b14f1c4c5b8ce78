/* Walking the guest's own 4-level page tables (guest_paging.c), for the
 * instruction decoder and for shadow paging. */
#pragma once
#include "x86.h"

struct vm;

/* #PF error code bits (SDM Vol. 3A, 4.7) */
#define PF_ERR_P	BIT(0)	/* a protection violation (0: not present) */
#define PF_ERR_W	BIT(1)	/* a write */
#define PF_ERR_U	BIT(2)	/* from user mode */
#define PF_ERR_RSVD	BIT(3)	/* a reserved bit set in an entry */
#define PF_ERR_I	BIT(4)	/* an instruction fetch */
#define PF_ERR_NO_MEMORY (PF_ERR_P | PF_ERR_RSVD)	/* a page table where no RAM is */
#define WALK_NOT_PRESENT BIT(63)	/* guest_walk(): a fault whose P bit is 0 */

struct guest_walk {
	u64 gpa;
	u64 *entries[PT_LEVELS];	/* the guest's entries on the way, the leaf last */
	unsigned levels;	/* how many */
	bool large;		/* mapped by a 2 MiB or 1 GiB guest page */
	bool writable, user;	/* W and U/S, over every level */
};

/* Walk the tables at `cr3` for `gva`, changing nothing (shadow paging sets
 * the accessed and dirty bits). Returns 0, or the #PF error bits P/RSVD of
 * the architectural fault (WALK_NOT_PRESENT when P is 0). */
u64 guest_walk(struct vm *vm, u64 cr3, u64 gva, struct guest_walk *w);
