/* The GICv3 interrupt controller: the hypervisor's own scheduling tick (one
 * private interrupt taken at EL2), and the virtual CPU interface through
 * which a pass-through guest receives its device interrupts. */
#pragma once
#include "types.h"

#define TIMER_INTID_HYP_PHYS	26	/* EL2 physical timer, PPI 10 */
#define TIMER_INTID_VIRT	27	/* EL1 virtual timer (CNTV), PPI 11: the running guest's */
#define GIC_INTID_SPURIOUS	1023

#define GICR_FRAMES_SIZE	0x20000	/* one CPU's redistributor: RD_base + SGI_base */
#define GIC_SGI_COUNT		16	/* INTIDs 0-15: software-generated */
#define GIC_SGI_KICK		15	/* the hypervisor's own, CPU to CPU (Linux uses 0-7) */

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
bool gic_inject_hw(u32 intid);
