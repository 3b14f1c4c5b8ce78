/* world-switch-sysregs: the EL1 system registers a guest kernel writes
 * without an exit (thread pointers, context ID, translation controls, the
 * exception registers, ...). The MMU stays off, so the translation
 * registers only hold values. AFSR0/1_EL1 and AMAIR_EL1 are switched too,
 * but QEMU implements them as read-as-zero: nothing to see here. */
#include "guest.h"

#define SCTLR_EL1_RES1	(BIT(11) | BIT(20) | BIT(22) | BIT(23) | BIT(28) | BIT(29))
#define SCTLR_DZE	BIT(14)		/* EL0 controls: harmless at EL1 */
#define SCTLR_UCT	BIT(15)
#define SCTLR_NTWE	BIT(18)
#define SCTLR_UCI	BIT(26)
#define CPACR_FPEN(v)	((u64)(v) << 20)

WS_ACCESSORS(tpidr_el0)
WS_ACCESSORS(tpidrro_el0)
WS_ACCESSORS(tpidr_el1)
WS_ACCESSORS(contextidr_el1)
WS_ACCESSORS(par_el1)
WS_ACCESSORS(vbar_el1)
WS_ACCESSORS(mair_el1)
WS_ACCESSORS(tcr_el1)
WS_ACCESSORS(ttbr0_el1)
WS_ACCESSORS(ttbr1_el1)
WS_ACCESSORS(elr_el1)
WS_ACCESSORS(spsr_el1)
WS_ACCESSORS(esr_el1)
WS_ACCESSORS(far_el1)
WS_ACCESSORS(sp_el0)
WS_ACCESSORS(csselr_el1)
WS_ACCESSORS(sctlr_el1)
WS_ACCESSORS(cpacr_el1)

static const struct ws_register el1[] = {
	WS_REGISTER(tpidr_el0, 0x1111000000000000, 0x2222000000000001, ~0ULL),
	WS_REGISTER(tpidrro_el0, 0x1111000000000002, 0x2222000000000003, ~0ULL),
	WS_REGISTER(tpidr_el1, 0x1111000000000004, 0x2222000000000005, ~0ULL),
	WS_REGISTER(contextidr_el1, 0x11, 0x22, MASK(31, 0)),
	WS_REGISTER(par_el1, 0x4400111122223000, 0xff00000044445200, ~0ULL),
	WS_REGISTER(vbar_el1, 0x40100000, 0x40180800, MASK(63, 11)),
	WS_REGISTER(mair_el1, 0x00040c44ffbb4f44, 0x44ff0c0400bb444f, ~0ULL),
	WS_REGISTER(tcr_el1, 25 | (25 << 16), 32 | (32 << 16), MASK(5, 0) | MASK(21, 16)),
	WS_REGISTER(ttbr0_el1, 0x0001000040010000, 0x0002000040020000, ~0ULL),
	WS_REGISTER(ttbr1_el1, 0x0003000040030000, 0x0004000040040000, ~0ULL),
	WS_REGISTER(elr_el1, 0x40001234, 0x40005678, ~0ULL),
	WS_REGISTER(spsr_el1, 0x800003c5, 0x40000005, MASK(31, 28) | MASK(9, 6) | MASK(4, 0)),
	WS_REGISTER(esr_el1, 0x96000045, 0x5a000000, MASK(31, 0)),
	WS_REGISTER(far_el1, 0x1234, 0x5678, ~0ULL),
	WS_REGISTER(sp_el0, 0x40110000, 0x40120000, ~0ULL),
	WS_REGISTER(csselr_el1, 2, 1, MASK(3, 0)),
	WS_REGISTER(sctlr_el1, SCTLR_EL1_RES1 | SCTLR_UCI | SCTLR_DZE,
		    SCTLR_EL1_RES1 | SCTLR_UCT | SCTLR_NTWE, SCTLR_UCI | SCTLR_DZE | SCTLR_UCT | SCTLR_NTWE),
	WS_REGISTER(cpacr_el1, CPACR_FPEN(3), CPACR_FPEN(1), CPACR_FPEN(3)),
};

int main(void)
{
	return world_switch_check("EL1 system", el1, ARRAY_SIZE(el1));
}
