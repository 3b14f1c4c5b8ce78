/* fuzz-victim: the VM beside the fuzzer. It holds values in registers of
 * the classes the world switch carries (XMM, MXCSR, DR0-DR3, DR6, CR8) and
 * a block of memory, and after each time slice of the fuzzer's (it yields
 * the CPU to it) checks that nothing of it changed and that the hypervisor
 * still answers it, for as long as the fuzzer runs. It must finish. */
#include "guest.h"

#define GAP_US		50	/* a yield that took longer: the fuzzer ran meanwhile (a yield
				 * alone is far shorter, at 50 MHz too: Bochs) */
#define ACCESSORS(name, read, write) \
	static u64 read_##name(void) { u64 v; __asm__ volatile(read : "=r"(v)); return v; } \
	static void write_##name(u64 v) { __asm__ volatile(write : : "r"(v)); }
ACCESSORS(xmm3, "movq %%xmm3, %0", "movq %0, %%xmm3")	/* the fuzzer's own XMM */
ACCESSORS(xmm9, "movq %%xmm9, %0", "movq %0, %%xmm9")
ACCESSORS(dr0, "mov %%dr0, %0", "mov %0, %%dr0")
ACCESSORS(dr2, "mov %%dr2, %0", "mov %0, %%dr2")
ACCESSORS(dr6, "mov %%dr6, %0", "mov %0, %%dr6")
ACCESSORS(cr8, "mov %%cr8, %0", "mov %0, %%cr8")
static u64 read_mxcsr(void) { u32 v; __asm__ volatile("stmxcsr %0" : "=m"(v)); return v; }
static void write_mxcsr(u64 v) { u32 w = (u32)v; __asm__ volatile("ldmxcsr %0" : : "m"(w)); }

static const struct ws_register regs[] = {	/* value[1]: this VM's */
	WS_REGISTER(xmm3, 0, 0x71c71c71c71c71c7ULL, ~0ULL),
	WS_REGISTER(xmm9, 0, 0x0123456789abcdefULL, ~0ULL),
	WS_REGISTER(mxcsr, 0, 0x5f80, 0xffff),
	WS_REGISTER(dr0, 0, 0x7f0030000000ULL, ~0ULL),
	WS_REGISTER(dr2, 0, 0x7f0040000008ULL, ~0ULL),
	WS_REGISTER(dr6, 0, 0xffff0ff4ULL, 0xf),
	WS_REGISTER(cr8, 0, 7, 0xf),
};

int main(void)
{
	return fuzz_victim("XMM, MXCSR, debug, CR8", regs, ARRAY_SIZE(regs), NULL, GAP_US);
}
