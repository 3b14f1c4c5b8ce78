/* The emulated GICv3 of a VM with an interrupt controller of its own
 * (vgic.c): its registers as devices, the interrupt lines of its devices,
 * the guest's SGIs, and the list registers that deliver it all. */
#pragma once
#include "types.h"

struct vm;
struct vcpu;
struct exit;
struct device_ops;

extern const struct device_ops vgic_dist_ops, vgic_redist_ops;

void vgic_reset(struct vm *vm);
void vgic_set_level(struct vm *vm, u32 intid, bool level);	/* an SPI's line */
bool vgic_sysreg_access(struct vcpu *v, struct exit *e);	/* ICC_SGI1R_EL1 ... */
void vgic_timer_fired(struct vcpu *v, u32 intid);
void vgic_maintenance(struct vcpu *v);
void vgic_flush(struct vcpu *v);		/* fill the list registers */
void vgic_load(struct vcpu *v);			/* the world switch */
void vgic_put(struct vcpu *v);
bool vgic_has_work(struct vcpu *v, bool loaded);
u64 vgic_wake_time(struct vcpu *v);
