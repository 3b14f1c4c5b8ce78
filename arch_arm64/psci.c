/* PSCI, the Arm firmware interface for power: a guest's SMC traps to EL2
 * (HCR_EL2.TSC) and is answered here, as firmware would. The hypervisor
 * itself powers the machine off with a real SMC to QEMU's firmware. */
#include "arch.h"
#include "exit.h"

#define PSCI_VERSION		0x84000000
#define PSCI_FEATURES		0x8400000a
#define PSCI_SYSTEM_OFF		0x84000008
#define PSCI_VERSION_1_0	0x00010000
#define PSCI_SUCCESS		0
#define PSCI_NOT_SUPPORTED	(-1)

static u64 firmware_smc(u64 function)
{
	register u64 x0 __asm__("x0") = function;

	__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	return x0;
}

_Noreturn void arch_power_off(void)
{
	firmware_smc(PSCI_SYSTEM_OFF);
	for (;;)
		__asm__ volatile("wfi");
}

/* Returns true when the guest asked to be powered off. */
bool arch_firmware_call(struct vcpu *vcpu, struct exit *e)
{
	(void)vcpu;
	switch ((u32)e->args[0]) {
	case PSCI_VERSION:
		e->result = PSCI_VERSION_1_0;
		return false;
	case PSCI_FEATURES:
		e->result = (u32)e->args[1] == PSCI_VERSION || (u32)e->args[1] == PSCI_SYSTEM_OFF ||
			    (u32)e->args[1] == PSCI_FEATURES ? PSCI_SUCCESS : (u64)PSCI_NOT_SUPPORTED;
		return false;
	case PSCI_SYSTEM_OFF:
		return true;
	default:
		e->result = (u64)PSCI_NOT_SUPPORTED;
		return false;
	}
}
