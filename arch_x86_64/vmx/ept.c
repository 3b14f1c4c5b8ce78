/* The EPT entry format (SDM Vol. 3C, 29.3.2): separate read, write and
 * execute bits, a memory type in bits 5:3 of a leaf, bit 7 for a 2 MiB
 * page. arch_x86_64/stage2.c builds the tables with these bits. */
#include "backend.h"
#include "vm.h"
#include "vmx.h"

#define EPT_READ		BIT(0)
#define EPT_WRITE		BIT(1)
#define EPT_EXECUTE		BIT(2)
#define EPT_RWX			(EPT_READ | EPT_WRITE | EPT_EXECUTE)
#define EPT_MEMTYPE_WB		(6ULL << 3)	/* leaf: write-back memory */
#define EPT_IGNORE_PAT		BIT(6)
#define EPT_LARGE_PAGE		BIT(7)
#define EPTP_MEMTYPE_WB		6ULL		/* the tables themselves are write-back */
#define EPTP_WALK_LENGTH_4	(3ULL << 3)	/* page-walk length - 1 */

const struct stage2_format ept_format = {
	.table = EPT_RWX,
	.leaf = EPT_RWX | EPT_MEMTYPE_WB | EPT_IGNORE_PAT,
	.large = EPT_LARGE_PAGE,
};

u64 ept_pointer(const struct vm *vm)
{
	return (u64)vm->arch.stage2_root | EPTP_MEMTYPE_WB | EPTP_WALK_LENGTH_4;
}
