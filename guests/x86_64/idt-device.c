/* idt-device: exits that come from delivering an exception, not from the
 * instruction that raised it (arch_x86_64/delivery.c).
 *  1. The guest's IDT and stack pages are dropped from the TLB (and, with
 *     shadow paging, from the shadow tables) before a #GP: delivering it
 *     may exit to fill them in, and the #GP must still arrive, once, with
 *     its error code.
 *  2. The IDT is then placed over the demo device, so that the #GP gate is
 *     its SCRATCH register, and a store raises #GP. The delivery touches
 *     the device: the VM stops with the event named. The store is never
 *     emulated in its place (that once wrote the device and went on). */
#include "guest.h"
#include "config.h"

#define VECTOR_GP	13
#define IDT_GATE_BYTES	16
#define DEMO_SCRATCH	(GUEST_DEMO_BASE + 0x08)
#define NON_CANONICAL	0x8000000000000000ULL
#define STORED		0x5703ed5703edULL

struct __attribute__((packed)) table_register { u16 limit; u64 base; };

/* A store through a non-canonical address: #GP, resumed after it. */
static void store_non_canonical(u64 value)
{
	__asm__ volatile("lea 1f(%%rip), %%rcx; mov %%rcx, %[fixup]\n\t"
			 "mov %[v], (%[a])\n1:"
			 : [fixup] "=m"(guest_exceptions.fixup)
			 : [v] "r"(value), [a] "r"(NON_CANONICAL) : "rcx", "memory");
}

int main(void)
{
	u64 idt = exceptions_install(), cr3, sp;
	struct table_register device_idt = { 0xfff, DEMO_SCRATCH - VECTOR_GP * IDT_GATE_BYTES };

	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3; invlpg (%1); invlpg (%2)"
			 : "=&r"(cr3) : "r"(idt), "r"(&sp) : "memory");
	store_non_canonical(STORED);
	check(guest_exceptions.count == 1 && guest_exceptions.vector == VECTOR_GP &&
	      guest_exceptions.error == 0,
	      "a #GP whose delivery may exit arrives once, error code 0 (%lu exceptions, vector %lu)",
	      guest_exceptions.count, guest_exceptions.vector);

	mmio_write64(DEMO_SCRATCH, 0);
	printf("storing through a non-canonical address with the #GP gate over the demo device\n");
	__asm__ volatile("lidt %0" : : "m"(device_idt));
	store_non_canonical(STORED);
	struct table_register own = { 32 * IDT_GATE_BYTES - 1, idt };
	__asm__ volatile("lidt %0" : : "m"(own));
	printf("FAIL: the #GP was swallowed; the device's SCRATCH now reads 0x%lx\n",
	       mmio_read64(DEMO_SCRATCH));
	return summary();
}
