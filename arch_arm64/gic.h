/* The GICv3 interrupt controller: the hypervisor's own scheduling tick (one
 * private interrupt taken at EL2), the virtual CPU interface through which
 * guests receive their interrupts (list registers), and the maintenance
 * interrupt that says list registers have room again. */
#pragma once
#include "types.h"

#define GIC_INTID_MAINTENANCE	25	/* PPI 9: the virtual CPU interface's */
#define TIMER_INTID_HYP_PHYS	26	/* EL2 physical timer, PPI 10 */
#define TIMER_INTID_VIRT	27	/* EL1 virtual timer (CNTV), PPI 11: the running guest's */
#define TIMER_INTID_PHYS	30	/* EL1 physical timer, PPI 14 */
#define GIC_INTID_SPURIOUS	1023

#define GICR_FRAMES_SIZE	0x20000	/* one CPU's redistributor: RD_base + SGI_base */
#define GIC_SGI_COUNT		16	/* INTIDs 0-15: software-generated */
#define GIC_PRIVATE_COUNT	32	/* SGIs and PPIs: one set per CPU */
#define GIC_SGI_KICK		15	/* the hypervisor's own, CPU to CPU (Linux uses 0-7) */

/* ICH_LR<n>_EL2: one virtual interrupt. */
#define ICH_LR_STATE_PENDING	BIT(62)
#define ICH_LR_STATE_ACTIVE	BIT(63)
#define ICH_LR_STATE_MASK	(ICH_LR_STATE_PENDING | ICH_LR_STATE_ACTIVE)
#define ICH_LR_HW		BIT(61)	/* virtual EOI deactivates pINTID */
#define ICH_LR_GROUP1		BIT(60)
#define ICH_LR_PRIORITY_SHIFT	48
#define ICH_LR_PINTID_SHIFT	32
#define ICH_LR_EOI		BIT(41)	/* HW=0: maintenance interrupt on its EOI */

void gic_init(void);
void gic_cpu_init(unsigned cpu);
bool gic_inject_virtual(u32 intid);
void gic_send_sgi(u32 intid, unsigned cpu);
struct vcpu;
struct exit;
bool gic_sysreg_access(struct vcpu *vcpu, struct exit *e);
void gic_enable_private(unsigned cpu, u32 intid);
void gic_kick(unsigned cpu);
struct vgic_cpu_state;
void gic_save_cpu(struct vgic_cpu_state *s);
void gic_load_cpu(const struct vgic_cpu_state *s);
void gic_switch_timer(const struct vgic_cpu_state *prev, const struct vgic_cpu_state *next);
u32 gic_acknowledge(void);
void gic_end_of_interrupt(u32 intid);
void gic_priority_drop(u32 intid);
bool gic_inject_hw(u32 intid);
u64 gic_read_lr(unsigned n);
void gic_write_lr(unsigned n, u64 value);
unsigned gic_lr_count(void);
void gic_underflow_irq(bool on);
void gic_request_maintenance(unsigned cpu);
void gic_private_enable(unsigned cpu, u32 intids, bool on);
void gic_private_active(unsigned cpu, u32 intids, bool on);
void gic_enable_spi(u32 intid);
void gic_drop_hw(const struct vgic_cpu_state *s);
