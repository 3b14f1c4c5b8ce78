/* The x86 guest's own exception handling: an IDT whose 32 exception gates
 * (exceptions.S) count and record each exception; a guest that expects one
 * sets guest_exceptions.fixup first, where the next one resumes. An
 * exception nobody expected is a FAIL line, and the guest stops there. */
#include "guest.h"

#define EXCEPTION_VECTORS	32
#define STUB_BYTES		16
#define GATE_INTERRUPT		0x8e	/* present, DPL 0, 64-bit interrupt gate */

struct idt_gate { u16 off0, sel; u8 ist, type; u16 off1; u32 off2, zero; };
struct exception_frame { u64 vector, error, rip, cs, rflags, rsp, ss; };

static struct idt_gate idt[EXCEPTION_VECTORS] __attribute__((aligned(16)));
extern const char guest_exception_stubs[];
volatile struct guest_exception_record guest_exceptions;

void guest_exception(struct exception_frame *f);

void guest_exception(struct exception_frame *f)
{
	guest_exceptions.count++;
	guest_exceptions.vector = f->vector;
	guest_exceptions.error = f->error;
	guest_exceptions.rip = f->rip;
	if (!guest_exceptions.fixup) {
		printf("FAIL: unexpected exception %lu (error code 0x%lx) at RIP 0x%lx\n", f->vector,
		       f->error, f->rip);
		for (;;)
			__asm__ volatile("hlt");
	}
	f->rip = guest_exceptions.fixup;
	guest_exceptions.fixup = 0;
}

u64 exceptions_install(void)
{
	struct __attribute__((packed)) { u16 limit; u64 base; } idtr = { sizeof(idt) - 1, (u64)idt };
	u16 cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (unsigned v = 0; v < EXCEPTION_VECTORS; v++) {
		u64 h = (u64)guest_exception_stubs + v * STUB_BYTES;
		idt[v] = (struct idt_gate){ h & 0xffff, cs, 0, GATE_INTERRUPT, (h >> 16) & 0xffff,
					    h >> 32, 0 };
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
	return (u64)idt;
}
