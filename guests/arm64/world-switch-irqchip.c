/* world-switch-irqchip: the GICv3 CPU interface. With HCR_EL2.IMO and FMO
 * set, the guest's ICC_* accesses reach the virtual interface (ICV_*) with
 * no exit: priority mask, binary points, group enables, EOI mode (all in
 * ICH_VMCR_EL2) and the active priorities (ICH_AP0R0/AP1R0_EL2). The GIC
 * specification calls an active-priority write other than 0 or a value
 * read before UNPREDICTABLE; QEMU stores it, which is all this needs. */
#include "guest.h"

#define PRIORITY_BITS	0xf8	/* 5 priority bits implemented (ICH_VTR_EL2) */
#define CTLR_EOIMODE	BIT(1)

WS_ACCESSORS(icc_pmr_el1)
WS_ACCESSORS(icc_bpr0_el1)
WS_ACCESSORS(icc_bpr1_el1)
WS_ACCESSORS(icc_igrpen0_el1)
WS_ACCESSORS(icc_igrpen1_el1)
WS_ACCESSORS(icc_ctlr_el1)
WS_ACCESSORS(icc_ap0r0_el1)
WS_ACCESSORS(icc_ap1r0_el1)

static const struct ws_register gic[] = {
	WS_REGISTER(icc_pmr_el1, 0xf0, 0x80, PRIORITY_BITS),
	WS_REGISTER(icc_bpr0_el1, 3, 5, MASK(2, 0)),
	WS_REGISTER(icc_bpr1_el1, 4, 6, MASK(2, 0)),
	WS_REGISTER(icc_igrpen0_el1, 1, 0, BIT(0)),
	WS_REGISTER(icc_igrpen1_el1, 0, 1, BIT(0)),
	WS_REGISTER(icc_ctlr_el1, CTLR_EOIMODE, 0, CTLR_EOIMODE),
	WS_REGISTER(icc_ap0r0_el1, 0x1, 0x10000, MASK(31, 0)),
	WS_REGISTER(icc_ap1r0_el1, 0x100, 0x1000000, MASK(31, 0)),
};

int main(void)
{
	return world_switch_check("interrupt controller", gic, ARRAY_SIZE(gic));
}
