/* The NPT entry format (APM Vol. 2, 15.25): AMD's nested page tables are
 * ordinary long-mode page tables. Every nested access counts as a user
 * access, so the U/S bit must be set at every level. */
#include "svm.h"

#define NPT_PRESENT	BIT(0)
#define NPT_WRITE	BIT(1)
#define NPT_USER	BIT(2)
#define NPT_LARGE_PAGE	BIT(7)	/* PS: a 2 MiB page in a page directory */
#define NPT_ALLOW_ALL	(NPT_PRESENT | NPT_WRITE | NPT_USER)

const struct stage2_format npt_format = {
	.table = NPT_ALLOW_ALL,
	.leaf = NPT_ALLOW_ALL,
	.large = NPT_LARGE_PAGE,
};
