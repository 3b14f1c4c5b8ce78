/* The bare-metal cores' headers (arch_x86_64/svm/vmcb.h, ...) include
 * "types.h" for u8 ... u64 and PAGE_SIZE: inside the kernel, those are the
 * kernel's own. */
#pragma once
#include <linux/types.h>
#include <asm/page.h>
