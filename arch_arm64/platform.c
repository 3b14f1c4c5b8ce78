/* The virtual board each arm64 VM sees: RAM (hv/vm.c), a PL011 UART at the
 * same address as on QEMU's virt machine, and the demo device; both are
 * emulated by trapping the guest's loads and stores. A VM with an
 * interrupt controller (vm->irqchip: Linux beside other VMs) also gets an
 * emulated GICv3 (vgic.c) where QEMU's is, its UART's interrupt line wired
 * to it (SPI 1, INTID 33, as in QEMU's device tree), and typed input. A
 * single Linux guest instead gets the real PL011 and GICv3 frames mapped
 * (see docs/linux-guest.md). */
#include "arch.h"
#include "config.h"
#include "gic.h"
#include "vgic.h"
#include "vm.h"

void arch_map_device(struct vm *vm, u64 gpa, u64 hpa, u64 size);	/* stage2.c */
void arm64_console_input_start(void);					/* uart.c */

#define PL011_REGION_SIZE	0x1000
#define GICD_REGION_SIZE	0x10000		/* one 64 KiB frame */
#define UART_INTID		33		/* QEMU virt: the PL011 is SPI 1 */

void platform_add_devices(struct vm *vm)
{
	vm_add_device(vm, "pl011", BUS_MMIO, GUEST_UART_BASE, PL011_REGION_SIZE, &pl011_ops);
	vm_add_device(vm, "demo", BUS_MMIO, GUEST_DEMO_BASE, DEMO_DEVICE_SIZE, &demo_ops);
	if (!vm->irqchip)
		return;
	struct device *uart = vm_find_device(vm, BUS_MMIO, GUEST_UART_BASE, 1);

	vgic_reset(vm);
	vm_add_device(vm, "gicd", BUS_MMIO, PLATFORM_GICD_BASE, GICD_REGION_SIZE, &vgic_dist_ops);
	vm_add_device(vm, "gicr", BUS_MMIO, PLATFORM_GICR_BASE, GICR_FRAMES_SIZE * vm->vcpu_count,
		      &vgic_redist_ops);
	uart->irq = (struct irq_line){ .set = vgic_set_level, .intid = UART_INTID };
	vm->console = uart;
	arm64_console_input_start();	/* typed bytes now have somewhere to go */
}

/* Pass-through: the guest drives the real devices itself, with no trap;
 * their interrupts reach it through the GIC's list registers (trap.c). */
void platform_pass_through(struct vm *vm)
{
	arch_map_device(vm, PLATFORM_UART_BASE, PLATFORM_UART_BASE, PL011_REGION_SIZE);
	arch_map_device(vm, PLATFORM_GICD_BASE, PLATFORM_GICD_BASE, GICD_REGION_SIZE);
	arch_map_device(vm, PLATFORM_GICR_BASE, PLATFORM_GICR_BASE,
			GICR_FRAMES_SIZE * vm->vcpu_count);	/* vCPU n's is CPU n's */
}
