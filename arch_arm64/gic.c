/* GICv3 set-up for the boot CPU: distributor on with affinity routing, the
 * CPU's redistributor awake, and the system-register CPU interface enabled
 * at EL2. Interrupts are Group 1 and acknowledged through ICC_IAR1_EL1. */
#include "gic.h"
#include "config.h"
#include "sysreg.h"

#define GICD_CTLR		0x0000
#define GICD_CTLR_ENABLE_G1	BIT(1)
#define GICD_CTLR_ARE		BIT(4)	/* affinity routing (GICv3 mode) */

#define GICR_WAKER		0x0014	/* in RD_base */
#define GICR_WAKER_PROCESSOR_SLEEP BIT(1)
#define GICR_WAKER_CHILDREN_ASLEEP BIT(2)
#define GICR_SGI_BASE		0x10000	/* second 64 KiB frame */
#define GICR_IGROUPR0		0x0080	/* in SGI_base */
#define GICR_ISENABLER0		0x0100
#define GICR_IPRIORITYR		0x0400

#define ICC_SRE_SRE		BIT(0)	/* system-register interface */
#define ICC_SRE_ENABLE		BIT(3)	/* lower ELs may use ICC_SRE_EL1 */
#define GIC_PRIORITY_DEFAULT	0xa0
#define GIC_PRIORITY_MASK_ALL	0xff	/* ICC_PMR_EL1: let every priority in */

static volatile u32 *reg32(u64 base, u64 offset)
{
	return (volatile u32 *)(base + offset);
}

void gic_init(void)
{
	*reg32(PLATFORM_GICD_BASE, GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1;

	*reg32(PLATFORM_GICR_BASE, GICR_WAKER) &= ~GICR_WAKER_PROCESSOR_SLEEP;
	while (*reg32(PLATFORM_GICR_BASE, GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
		;

	write_sysreg(ICC_SRE_EL2, read_sysreg(ICC_SRE_EL2) | ICC_SRE_SRE | ICC_SRE_ENABLE);
	isb();
	write_sysreg(ICC_PMR_EL1, GIC_PRIORITY_MASK_ALL);
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
}

void gic_enable_ppi(u32 intid)
{
	u64 sgi = PLATFORM_GICR_BASE + GICR_SGI_BASE;

	*reg32(sgi, GICR_IGROUPR0) |= BIT(intid);
	*(volatile u8 *)(sgi + GICR_IPRIORITYR + intid) = GIC_PRIORITY_DEFAULT;
	*reg32(sgi, GICR_ISENABLER0) = BIT(intid);
}

u32 gic_acknowledge(void)
{
	return (u32)read_sysreg(ICC_IAR1_EL1);
}

void gic_end_of_interrupt(u32 intid)
{
	write_sysreg(ICC_EOIR1_EL1, intid);
}
