/* Host memory allocation: hand out zeroed, aligned chunks from one pool. */
#include "mm.h"
#include "console.h"

static u64 pool_next, pool_end;

void mm_init(u64 start, u64 end)
{
	pool_next = start;
	pool_end = end;
}

void *mm_alloc(u64 size, u64 align)
{
	u64 base = ALIGN_UP(pool_next, align);

	if (base + size > pool_end || base + size < base)
		panic("out of host memory (%lu bytes wanted)", size);
	pool_next = base + size;
	memset((void *)base, 0, size);
	return (void *)base;
}
