/* x86_64 guest support: which hypercall instruction this CPU wants, the
 * TSC frequency the hypervisor publishes, and the 16550 UART driver. Port
 * I/O always exits to the hypervisor, which emulates the UART. */
#include "guest.h"

#define CPUID_VENDOR		0
#define AMD_VENDOR_EBX		0x68747541	/* "Auth" of "AuthenticAMD" */
#define CPUID_HV_TSC		0x40000001	/* EAX: TSC frequency in kHz */
#define HZ_PER_KHZ		1000
#define COM1			0x3f8
#define UART_THR		0
#define UART_LSR		5
#define UART_LSR_THRE		0x20

bool use_vmmcall;

static void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

void guest_arch_init(void)
{
	u32 a, b, c, d;

	cpuid(CPUID_VENDOR, &a, &b, &c, &d);
	use_vmmcall = b == AMD_VENDOR_EBX;
}

u64 counter_freq(void)
{
	u32 a, b, c, d;

	cpuid(CPUID_HV_TSC, &a, &b, &c, &d);
	return (u64)a * HZ_PER_KHZ;
}

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

u32 uart_status(void)
{
	return inb(COM1 + UART_LSR);
}

void guest_putc(char c)
{
	while (!(uart_status() & UART_LSR_THRE))
		;
	outb(COM1 + UART_THR, (u8)c);
}
