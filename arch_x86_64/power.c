/* Switching the emulated PC off: Bochs ends when "Shutdown" is written to
 * port 0x8900; QEMU's PC powers off when ACPI PM1a control (port 0x604)
 * gets SLP_EN. Each emulator ignores the other's port. */
#include "arch.h"
#include "x86.h"

#define BOCHS_SHUTDOWN_PORT	0x8900
#define QEMU_PM1A_CNT_PORT	0x604
#define PM1_CNT_SLP_EN		0x2000

void uart_flush(void);

_Noreturn void arch_power_off(void)
{
	uart_flush();	/* Bochs drops bytes still being transmitted */
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (u8)*s);
	outw(QEMU_PM1A_CNT_PORT, PM1_CNT_SLP_EN);
	cpu_halt_forever();
}
