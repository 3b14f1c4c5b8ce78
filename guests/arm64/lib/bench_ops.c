/* arm64-only exits for guests/bench.c. On the EL2 hypervisor none beyond
 * the portable ones. Under KVM (BOARD_KVM) the lab's hypercall and the demo
 * device go out to the VMM in user space; these two never leave the host
 * kernel, for comparison: an HVC to PSCI_VERSION, which KVM answers itself,
 * and a load of GICD_TYPER from KVM's in-kernel vGIC. */
#include "guest.h"
#include "config.h"

#ifdef BOARD_KVM
#define PSCI_VERSION	0x84000000
#define GICD_TYPER	0x004

static void psci_version(void)
{
	register u64 x0 __asm__("x0") = PSCI_VERSION;

	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
}

static void vgic_read(void) { (void)mmio_read32(PLATFORM_GICD_BASE + GICD_TYPER); }

const struct bench_op arch_bench_ops[] = {
	{ "kvm_hvc_roundtrip", psci_version },
	{ "vgic_mmio_roundtrip", vgic_read },
	{ 0 },
};
#else
const struct bench_op arch_bench_ops[] = { { 0 } };
#endif
