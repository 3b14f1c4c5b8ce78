/* fuzz: a hostile x86 guest. From a printed seed, a simple PRNG
 * (xorshift64*) picks operations a guest can aim at the hypervisor:
 * hypercalls with random numbers and arguments, IN and OUT of every size on
 * its devices' ports, loads and stores of every size at every offset of
 * the demo device, RDMSR/WRMSR of IA32_EFER and CPUID of random leaves,
 * and instructions that fault or touch state the world switch carries
 * (UD2, INT3, INT n, #GP, #PF, #DE, SWAPGS, DR0-DR3, CR8, XMM, FXSAVE,
 * INVLPG, WBINVD, RDTSCP, the other vendor's hypercall instruction). Its
 * own IDT (lib/exceptions.c) counts and skips what faults. Everything the
 * hypervisor answers goes into a digest: the same seed gives the same
 * digest. Its last operation is one the hypervisor answers by stopping the
 * VM (fuzz_stop below), for a report.
 * Seed and count: ./lab fuzz --target T --seed S --iterations N. */
#include "guest.h"
#include "config.h"

#if __has_include("fuzz_params.h")
#include "fuzz_params.h"		/* written by ./lab fuzz */
#else
#define FUZZ_SEED		1
#define FUZZ_ITERATIONS		10000
#endif

#define COM1			0x3f8
#define UART_PORTS		8
#define UART_THR		0
#define UART_LCR		3
#define UART_LCR_8N1		0x03	/* what the guest's own driver needs back */
#define PM1A_CNT		0x604
#define PM1A_PORTS		2
#define DEMO_SIZE		0x1000
#define IA32_EFER		0xc0000080u
#define EFER_SCE		BIT(0)
#define EFER_LME		BIT(8)
#define EFER_NXE		BIT(11)
#define NON_CANONICAL		0x8000000000000000ULL
#define UNMAPPED		0x40000000ULL	/* PDPT entry 1: not present */
#define NO_DEVICE_PORT		0x80

static u64 ops[7];			/* how many of each kind */
static u8 fx_area[512] __attribute__((aligned(16)));

/* Arguments: half fully random, half values at the edges of something. */
static u64 arg(void)
{
	static const u64 edges[] = {
		0, 1, ~0ULL, NON_CANONICAL, GUEST_RAM_BASE, GUEST_RAM_BASE + GUEST_RAM_SIZE - 1,
		GUEST_RAM_BASE + GUEST_RAM_SIZE, HC_PUTS_MAX, HC_PUTS_MAX + 1, GUEST_DEMO_BASE,
		0xffffffff, 0x100000000ULL,
	};
	u64 r = fuzz_rng();

	return r & 1 ? fuzz_rng() : edges[(r >> 1) % ARRAY_SIZE(edges)];
}

/* Hypercalls (fuzzing.c), with this guest's arguments. */
static void op_hypercall(void)
{
	fuzz_hypercall(arg);
}

static u64 port_in(u16 port, unsigned size)
{
	u32 v = 0;

	switch (size) {
	case 1: __asm__ volatile("inb %w1, %b0" : "+a"(v) : "d"(port)); break;
	case 2: __asm__ volatile("inw %w1, %w0" : "+a"(v) : "d"(port)); break;
	default: __asm__ volatile("inl %w1, %0" : "+a"(v) : "d"(port)); break;
	}
	return v;
}

static void port_out(u16 port, unsigned size, u32 v)
{
	switch (size) {
	case 1: __asm__ volatile("outb %b0, %w1" : : "a"(v), "d"(port)); break;
	case 2: __asm__ volatile("outw %w0, %w1" : : "a"(v), "d"(port)); break;
	default: __asm__ volatile("outl %0, %w1" : : "a"(v), "d"(port)); break;
	}
}

/* IN or OUT of 1, 2 or 4 bytes wholly inside the UART's or the power
 * controller's ports (one reaching past their end stops the VM: that is
 * for the last operation). The power controller is only read; the UART's
 * line control is put back, or the guest's own output would go to the
 * divisor latch. */
static void op_port(void)
{
	u64 r = fuzz_rng();
	bool uart = (r >> 12) % 4 != 0, write = uart && ((r >> 16) & 1);
	unsigned size = 1u << ((r >> 8) % (uart ? 3 : 2));	/* the power controller: 2 ports */
	u16 ports = uart ? UART_PORTS : PM1A_PORTS;
	u16 port = (uart ? COM1 : PM1A_CNT) + (r >> 20) % (ports - size + 1);
	u32 value = (u32)fuzz_rng();

	if (!write) {
		fuzz_fold(port_in(port, size));
		return;
	}
	if (port <= COM1 + UART_THR && port + size > COM1 + UART_THR)	/* a byte to print */
		value = (value & ~0xffu) | (fuzz_rng() % 32 ? '\r' : ' ' + value % ('~' - ' '));
	port_out(port, size, value);
	port_out(COM1 + UART_LCR, 1, UART_LCR_8N1);
}

/* One load or store of a random size at a random offset of the demo
 * device, wholly inside it, by the MOV forms the decoder knows. */
static void op_device(void)
{
	u64 r = fuzz_rng(), value = fuzz_rng();
	unsigned size = 1u << ((r >> 4) % 4);
	u64 addr = GUEST_DEMO_BASE + (r >> 8) % (DEMO_SIZE - size + 1);

	if ((r >> 2) & 1) {
		switch (size) {
		case 1: __asm__ volatile("movb %b0, (%1)" : : "q"(value), "r"(addr) : "memory"); break;
		case 2: __asm__ volatile("movw %w0, (%1)" : : "r"(value), "r"(addr) : "memory"); break;
		case 4: __asm__ volatile("movl %k0, (%1)" : : "r"(value), "r"(addr) : "memory"); break;
		default: __asm__ volatile("movq %0, (%1)" : : "r"(value), "r"(addr) : "memory"); break;
		}
		return;
	}
	switch (size) {
	case 1: __asm__ volatile("movb (%1), %b0" : "+q"(value) : "r"(addr) : "memory"); break;
	case 2: __asm__ volatile("movw (%1), %w0" : "+r"(value) : "r"(addr) : "memory"); break;
	case 4: __asm__ volatile("movl (%1), %k0" : "=r"(value) : "r"(addr) : "memory"); break;
	default: __asm__ volatile("movq (%1), %0" : "=r"(value) : "r"(addr) : "memory"); break;
	}
	fuzz_fold(value);
}

static u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

/* IA32_EFER (the one MSR a guest may use here: read, or written with LME
 * kept, as long mode needs) and CPUID of random leaves and subleaves. */
static void op_msr_cpuid(void)
{
	u64 r = fuzz_rng();
	u32 a, b, c, d;

	switch (r % 3) {
	case 0:
		fuzz_fold(rdmsr(IA32_EFER));
		break;
	case 1: {
		u64 v = EFER_LME | ((r >> 8) & 1 ? EFER_SCE : 0) | ((r >> 9) & 1 ? EFER_NXE : 0);
		__asm__ volatile("wrmsr" : : "c"(IA32_EFER), "a"((u32)v), "d"(0));
		fuzz_fold(rdmsr(IA32_EFER));
		break;
	}
	default: {
		static const u32 bases[] = { 0, 0x40000000, 0x80000000 };
		u32 leaf = bases[(r >> 8) % 3] + (r >> 16) % 0x20;
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
				 : "a"(leaf), "c"((u32)(r >> 32) % 4));
		fuzz_fold(a), fuzz_fold(b), fuzz_fold(c), fuzz_fold(d);
		break;
	}
	}
}

/* An instruction that may fault: its fix-up is the end of the asm. */
#define MAY_FAULT(insn, ...) \
	__asm__ volatile("lea 1f(%%rip), %%r11; mov %%r11, %[fixup]\n\t" insn "\n1:" \
			 : [fixup] "=m"(guest_exceptions.fixup) __VA_ARGS__)

static void op_instruction(void)
{
	u64 r = fuzz_rng(), v = fuzz_rng(), out = 0;

	switch (r % 15) {
	case 0: MAY_FAULT("ud2", : : "r11"); break;
	case 1: MAY_FAULT("int3", : : "r11"); break;
	case 2: MAY_FAULT("int $0x80", : : "r11"); break;		/* past the IDT's limit */
	case 3: MAY_FAULT("mov (%[a]), %[o]", , [o] "+r"(out) : [a] "r"(NON_CANONICAL | v) : "r11"); break;
	case 4: MAY_FAULT("mov (%[a]), %[o]", , [o] "+r"(out) : [a] "r"(UNMAPPED + v % GiB) : "r11"); break;
	case 5: MAY_FAULT("xor %%edx, %%edx; div %[z]", : [z] "r"(0ULL) : "r11", "rax", "rdx"); break;
	case 6: __asm__ volatile("swapgs"); break;
	case 7:
		switch ((r >> 8) % 4) {
		case 0: __asm__ volatile("mov %1, %%dr0; mov %%dr0, %0" : "=r"(out) : "r"(v)); break;
		case 1: __asm__ volatile("mov %1, %%dr1; mov %%dr1, %0" : "=r"(out) : "r"(v)); break;
		case 2: __asm__ volatile("mov %1, %%dr2; mov %%dr2, %0" : "=r"(out) : "r"(v)); break;
		default: __asm__ volatile("mov %1, %%dr6; mov %%dr6, %0" : "=r"(out) : "r"(v & 0xffffffff)); break;
		}
		break;
	case 8: __asm__ volatile("mov %1, %%cr8; mov %%cr8, %0" : "=r"(out) : "r"(v & 0xf)); break;
	case 9: __asm__ volatile("movq %1, %%xmm3; movq %%xmm3, %0" : "=r"(out) : "r"(v)); break;
	case 10: __asm__ volatile("fxsave %0; fxrstor %0" : "+m"(fx_area)); break;
	case 11: __asm__ volatile("invlpg (%0)" : : "r"(v) : "memory"); break;
	case 12: __asm__ volatile("wbinvd"); break;
	case 13: MAY_FAULT("rdtscp", : : "r11", "rax", "rcx", "rdx"); break;	/* #UD where not offered */
	default:				/* the other vendor's hypercall: #UD */
		if (use_vmmcall)
			MAY_FAULT("vmcall", : "a"((u64)HC_VM_ID) : "r11", "memory");
		else
			MAY_FAULT("vmmcall", : "a"((u64)HC_VM_ID) : "r11", "memory");
		break;
	}
	fuzz_fold(out);
}

static void (*const kinds[])(void) = {
	op_hypercall, op_port, op_device, op_device, op_msr_cpuid, op_instruction, op_instruction,
};

/* The last operation: one the hypervisor answers by stopping this VM with
 * a report. The victim must go on regardless. */
static void fuzz_stop(u64 r)
{
	u64 outside = (GUEST_RAM_BASE + GUEST_RAM_SIZE + (r >> 8) % (64 * MiB)) & ~7ULL, v = 0;

	switch (r % 8) {
	case 0:
		printf("fuzz: last, a load from 0x%lx, outside RAM and every device\n", outside);
		(void)*(volatile u64 *)outside;
		break;
	case 1:
		printf("fuzz: last, RDMSR of IA32_LSTAR (not emulated)\n");
		(void)rdmsr(0xc0000082);
		break;
	case 2:
		printf("fuzz: last, WRMSR of IA32_TSC_AUX (not emulated)\n");
		__asm__ volatile("wrmsr" : : "c"(0xc0000103), "a"((u32)r), "d"(0));
		break;
	case 3:
		printf("fuzz: last, IN from port 0x%x, where no device is\n", NO_DEVICE_PORT);
		(void)port_in(NO_DEVICE_PORT, 1);
		break;
	case 4:
		printf("fuzz: last, an 8-byte load across the demo device's end\n");
		__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(GUEST_DEMO_BASE + DEMO_SIZE - 4) : "memory");
		break;
	case 5:
		printf("fuzz: last, an ADD from the demo device (not a MOV: not decoded)\n");
		__asm__ volatile("add (%1), %0" : "+r"(v) : "r"(GUEST_DEMO_BASE) : "memory");
		break;
	case 6:
		printf("fuzz: last, a jump to 0x%lx, outside RAM\n", outside);
		((void (*)(void))outside)();
		break;
	default:
		printf("fuzz: last, HC_EXIT\n");
		hypercall(HC_EXIT, r, 0, 0);
		break;
	}
	printf("fuzz: the last operation returned\n");
}

int main(void)
{
	u64 seed = FUZZ_SEED, n = FUZZ_ITERATIONS;

	exceptions_install();
	fuzz_loop(seed, n, kinds, ARRAY_SIZE(kinds), ops);
	printf("fuzz: %lu hypercalls, %lu port accesses, %lu device accesses, %lu MSRs and CPUIDs, "
	       "%lu instructions; %lu exceptions taken\n", ops[0], ops[1], ops[2] + ops[3], ops[4],
	       ops[5] + ops[6], guest_exceptions.count);
	fuzz_report(seed, n, guest_exceptions.count);
	fuzz_stop(fuzz_rng());
	return 1;
}
