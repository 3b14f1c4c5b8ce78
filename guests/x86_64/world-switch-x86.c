/* world-switch-x86: two VMs run this at once and hold different values in
 * every register class a guest writes without an exit: general registers,
 * x87/SSE (XMM0-15, MXCSR, the x87 control word), debug registers
 * (DR0-DR3, DR6, DR7), IA32_KERNEL_GS_BASE (reached through SWAPGS) and
 * CR8; each is preempted by the other and must read back its own values,
 * never the other VM's (docs/security.md, x86_64). */
#include "guest.h"

#define ROUNDS		3
#define GAP_US		500
#define GPRS		16		/* by register number; RAX, RDX, RSP not held */
#define RAX		0
#define RDX		2
#define RSP		4
#define DR6_FIXED	0xffff0ff0ULL
#define DR6_B0_B3	0xfULL
#define DR7_FIXED	0x400ULL
#define DR7_RW_LEN	0xffff0000ULL	/* breakpoint conditions, here none enabled */
#define FCW_MASK	0x0f3fULL	/* rounding, precision, exception masks */
#define CR8_TPR		0xfULL

void fill_wait_dump(const u64 *in, u64 *out, u64 gap_ticks);	/* world-switch-x86.S */

static void general(u64 id)
{
	u64 in[2][GPRS], out[GPRS], gap = GAP_US * counter_freq() / 1000000;
	unsigned lost = 0, foreign = 0;

	for (u64 vm = 0; vm < 2; vm++)
		for (unsigned n = 0; n < GPRS; n++)
			in[vm][n] = 0x5a00000000000000ULL | (vm + 1) << 40 | (u64)n << 8 | (0xa0 + vm);
	for (unsigned round = 0; round < ROUNDS; round++) {
		fill_wait_dump(in[id], out, gap);
		for (unsigned n = 0; n < GPRS; n++) {
			if (n == RAX || n == RDX || n == RSP || out[n] == in[id][n])
				continue;
			printf("VM %lu: general register %u reads 0x%lx\n", id, n, out[n]);
			out[n] == in[id ^ 1][n] ? foreign++ : lost++;
		}
	}
	check(lost == 0 && foreign == 0,
	      "RBX, RCX, RBP, RSI, RDI, R8-R15 kept VM %lu's values over %u preemptions", id, ROUNDS);
	check(foreign == 0, "no general register ever showed the other VM's value");
}

/* x87 and SSE: the low 64 bits of each XMM register, MXCSR, FCW. */
#define XMM_ACCESSORS(n) \
	static u64 read_xmm##n(void) { u64 v; __asm__ volatile("movq %%xmm" #n ", %0" : "=r"(v)); return v; } \
	static void write_xmm##n(u64 v) { __asm__ volatile("movq %0, %%xmm" #n : : "r"(v)); }
XMM_ACCESSORS(0) XMM_ACCESSORS(1) XMM_ACCESSORS(2) XMM_ACCESSORS(3)
XMM_ACCESSORS(4) XMM_ACCESSORS(5) XMM_ACCESSORS(6) XMM_ACCESSORS(7)
XMM_ACCESSORS(8) XMM_ACCESSORS(9) XMM_ACCESSORS(10) XMM_ACCESSORS(11)
XMM_ACCESSORS(12) XMM_ACCESSORS(13) XMM_ACCESSORS(14) XMM_ACCESSORS(15)
static u64 read_mxcsr(void) { u32 v; __asm__ volatile("stmxcsr %0" : "=m"(v)); return v; }
static void write_mxcsr(u64 v) { u32 w = (u32)v; __asm__ volatile("ldmxcsr %0" : : "m"(w)); }
static u64 read_fcw(void) { u16 v; __asm__ volatile("fnstcw %0" : "=m"(v)); return v; }
static void write_fcw(u64 v) { u16 w = (u16)v; __asm__ volatile("fldcw %0" : : "m"(w)); }

#define XMM(n) WS_REGISTER(xmm##n, 0x3c00000000000000ULL | (n) << 8, 0xc300000000000001ULL | (n) << 8, ~0ULL)
static const struct ws_register fpu[] = {
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	WS_REGISTER(mxcsr, 0x7f80, 0x3f80, 0xffff),	/* round toward zero / down */
	WS_REGISTER(fcw, 0x067f, 0x0b7f, FCW_MASK),	/* round down, 53 bits / up, 64 bits */
};

/* Debug registers: addresses no code here touches, and no breakpoint
 * enabled in DR7 (only its conditions, R/W and LEN, differ). */
#define DR_ACCESSORS(n) \
	static u64 read_dr##n(void) { u64 v; __asm__ volatile("mov %%dr" #n ", %0" : "=r"(v)); return v; } \
	static void write_dr##n(u64 v) { __asm__ volatile("mov %0, %%dr" #n : : "r"(v)); }
DR_ACCESSORS(0) DR_ACCESSORS(1) DR_ACCESSORS(2) DR_ACCESSORS(3) DR_ACCESSORS(6) DR_ACCESSORS(7)

#define DR(n) WS_REGISTER(dr##n, 0x7f0010000000ULL + (n) * 8, 0x7f0020000000ULL + (n) * 16, ~0ULL)
static const struct ws_register debug[] = {
	DR(0), DR(1), DR(2), DR(3),
	WS_REGISTER(dr6, DR6_FIXED | BIT(0), DR6_FIXED | BIT(1), DR6_B0_B3),
	WS_REGISTER(dr7, DR7_FIXED | 0x1d0000, DR7_FIXED | 0xd7000000, DR7_RW_LEN),
};

/* IA32_KERNEL_GS_BASE cannot be read without an RDMSR exit, but SWAPGS
 * exchanges it with GS.base: a VM loads GS from a descriptor whose base is
 * its own cell, swaps, and later swaps back and reads %gs:0. Both VMs
 * have both cells at the same addresses: the one read names the owner. */
#define GS_CELL0	0x6a5e0000000000c0ULL
#define GS_CELL1	0x6a5e0000000000c1ULL
static const u64 gs_cells[2] = { GS_CELL0, GS_CELL1 };
#define GDT_SLOTS	16
#define GS_SLOT		(GDT_SLOTS - 1)
#define DESC_DATA_RW	0x00cf93000000ffffULL	/* present, ring 0, read/write, 4 GiB */

struct __attribute__((packed)) table_register { u16 limit; u64 base; };
static u64 gdt[GDT_SLOTS] __attribute__((aligned(16)));

static void load_gs_base(u32 base)
{
	struct table_register old, new = { sizeof(gdt) - 1, (u64)gdt };

	__asm__ volatile("sgdt %0" : "=m"(old));
	for (unsigned i = 0; i < (old.limit + 1u) / 8 && i < GS_SLOT; i++)
		gdt[i] = ((const u64 *)old.base)[i];
	gdt[GS_SLOT] = DESC_DATA_RW | (u64)(base & 0xffffff) << 16 | (u64)(base >> 24) << 56;
	__asm__ volatile("lgdt %0; mov %1, %%gs" : : "m"(new), "r"(GS_SLOT * 8) : "memory");
}

static u64 read_kernel_gs_base(void)
{
	u64 v;

	__asm__ volatile("swapgs; movq %%gs:0, %0; swapgs" : "=r"(v) : : "memory");
	return v;
}

static void write_kernel_gs_base(u64 cell)
{
	load_gs_base((u32)(u64)&gs_cells[cell == GS_CELL1]);
	__asm__ volatile("swapgs" : : : "memory");
}

static u64 read_cr8(void) { u64 v; __asm__ volatile("mov %%cr8, %0" : "=r"(v)); return v; }
static void write_cr8(u64 v) { __asm__ volatile("mov %0, %%cr8" : : "r"(v)); }

static const struct ws_register system[] = {
	WS_REGISTER(kernel_gs_base, GS_CELL0, GS_CELL1, ~0ULL),
	WS_REGISTER(cr8, 1, 2, CR8_TPR),
};

int main(void)
{
	u64 id = (u64)hypercall(HC_VM_ID, 0, 0, 0) & 1;

	general(id);
	world_switch_hold("x87/SSE", fpu, ARRAY_SIZE(fpu));
	world_switch_hold("debug", debug, ARRAY_SIZE(debug));
	return world_switch_check("KERNEL_GS_BASE/CR8", system, ARRAY_SIZE(system));
}
