/* Host memory: a bump allocator over the RAM the hypervisor image does not
 * use. Pages are never freed: VMs live until the machine powers off. */
#pragma once
#include "types.h"

void mm_init(u64 start, u64 end);
void *mm_alloc(u64 size, u64 align);	/* zeroed; panics when exhausted */
