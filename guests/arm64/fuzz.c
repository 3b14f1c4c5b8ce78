/* fuzz: a hostile guest. From a printed seed, a simple PRNG (xorshift64*)
 * picks operations a guest can aim at the hypervisor: hypercalls and SMCs
 * with random numbers and arguments, loads and stores of every size and
 * alignment into its devices, reads of the trapped ID registers, the debug,
 * timer and GIC registers with random values, and WFI, WFE, SVC, BRK,
 * undefined instructions. Its own vectors (lib/exceptions.c) count and skip
 * what faults. Everything it learns goes into a digest: the same seed gives
 * the same digest, on any host. Its last operation is one of those the
 * hypervisor answers by stopping the VM (fuzz_stop below), for a report.
 * Seed and count: ./lab fuzz --seed S --iterations N (harness/fuzz.py). */
#include "guest.h"
#include "config.h"

#if __has_include("fuzz_params.h")
#include "fuzz_params.h"		/* written by ./lab fuzz */
#else
#define FUZZ_SEED		1
#define FUZZ_ITERATIONS		100000
#endif

#define UART_SIZE		0x1000
#define DEMO_SIZE		0x1000
#define UARTDR			0x000
#define PSCI_FN_CPU_OFF		0x84000002u	/* end the VM: not in the loop */
#define PSCI_FN_SYSTEM_OFF	0x84000008u
#define PSCI_FN_SYSTEM_RESET	0x84000009u
#define PSCI_FN_VERSION		0x84000000u

static u64 ops[8];			/* how many of each kind */

/* Arguments: half fully random, half values at the edges of something. */
static u64 arg(void)
{
	static const u64 edges[] = {
		0, 1, ~0ULL, 0x8000000000000000ULL, GUEST_RAM_BASE, GUEST_RAM_BASE - 1,
		GUEST_RAM_BASE + GUEST_RAM_SIZE - 1, GUEST_RAM_BASE + GUEST_RAM_SIZE, HC_PUTS_MAX,
		HC_PUTS_MAX + 1, GUEST_UART_BASE, GUEST_DEMO_BASE, 0xffffffff, 0x100000000ULL,
	};
	u64 r = fuzz_rng();

	return r & 1 ? fuzz_rng() : edges[(r >> 1) % ARRAY_SIZE(edges)];
}

/* Hypercalls (fuzzing.c), with this guest's arguments. */
static void op_hypercall(void)
{
	fuzz_hypercall(arg);
}

static void op_smc(void)
{
	static const u32 psci[] = { 0x84000000, 0x84000001, 0x84000003, 0xc4000003, 0x84000004,
				    0xc4000004, 0x84000005, 0x8400000a, 0x8400000c, 0xc400000e };
	u64 r = fuzz_rng(), fn = r & 1 ? fuzz_rng() : psci[(r >> 1) % ARRAY_SIZE(psci)];
	u32 low = (u32)fn;

	if (low == PSCI_FN_CPU_OFF || low == PSCI_FN_SYSTEM_OFF || low == PSCI_FN_SYSTEM_RESET)
		fn = PSCI_FN_VERSION;
	fuzz_fold(smc_call(fn, arg(), arg(), arg()));
}

/* One load or store of a random size at a random offset in a device: an
 * unaligned one takes an alignment fault, which the vectors skip. */
static void op_device(void)
{
	u64 r = fuzz_rng(), base = r & 1 ? GUEST_UART_BASE : GUEST_DEMO_BASE;
	u64 offset = (r >> 1) % (base == GUEST_UART_BASE ? UART_SIZE : DEMO_SIZE);
	u64 addr = base + offset, value = fuzz_rng();
	unsigned size = 1u << ((r >> 20) % 4);
	bool write = (r >> 24) & 1;

	if (base == GUEST_UART_BASE && offset < 8)	/* the UART prints bytes stored here */
		value = fuzz_rng() % 32 ? '\r' : ' ' + value % ('~' - ' ');
	if (write) {
		switch (size) {
		case 1: __asm__ volatile("strb %w0, [%1]" : : "r"(value), "r"(addr) : "memory"); break;
		case 2: __asm__ volatile("strh %w0, [%1]" : : "r"(value), "r"(addr) : "memory"); break;
		case 4: __asm__ volatile("str %w0, [%1]" : : "r"(value), "r"(addr) : "memory"); break;
		default: __asm__ volatile("str %0, [%1]" : : "r"(value), "r"(addr) : "memory"); break;
		}
		return;
	}
	switch (size) {
	case 1: __asm__ volatile("ldrb %w0, [%1]" : "+r"(value) : "r"(addr) : "memory"); break;
	case 2: __asm__ volatile("ldrh %w0, [%1]" : "+r"(value) : "r"(addr) : "memory"); break;
	case 4: __asm__ volatile("ldr %w0, [%1]" : "+r"(value) : "r"(addr) : "memory"); break;
	default: __asm__ volatile("ldr %0, [%1]" : "+r"(value) : "r"(addr) : "memory"); break;
	}
	fuzz_fold(value);
}

/* The ID register space (Op0=3, Op1=0, CRn=0): CRm 1-7 trap (HCR_EL2.TID3)
 * and are answered by the hypervisor; CRm 0 holds MIDR/MPIDR/REVIDR, read
 * without a trap, and encodings that are undefined (the vectors skip). */
#define ID_READ(crm, op2) \
	case (crm) * 8 + (op2): return sysreg_read(S3_0_C0_C##crm##_##op2);
#define ID_ROW(crm) ID_READ(crm, 0) ID_READ(crm, 1) ID_READ(crm, 2) ID_READ(crm, 3) \
	ID_READ(crm, 4) ID_READ(crm, 5) ID_READ(crm, 6) ID_READ(crm, 7)

static u64 read_id(unsigned n)
{
	switch (n) {
	ID_ROW(0) ID_ROW(1) ID_ROW(2) ID_ROW(3) ID_ROW(4) ID_ROW(5) ID_ROW(6) ID_ROW(7)
	}
	return 0;
}

/* Registers a guest writes without an exit (some only after the first,
 * trapped, debug access): random values, read back into the digest. The
 * few that would take the fuzzer's own ground away (SCTLR_EL1, VBAR_EL1,
 * SP, DAIF) are left alone. */
#define RW(n, reg) case n: sysreg_write(reg, v); return sysreg_read(reg);
static u64 write_read(unsigned n, u64 v)
{
	switch (n) {
	RW(0, mdscr_el1) RW(1, dbgbvr0_el1) RW(2, dbgbcr0_el1) RW(3, dbgwvr1_el1)
	RW(4, dbgwcr1_el1) RW(5, oslar_el1) RW(6, cntp_ctl_el0) RW(7, cntp_cval_el0)
	RW(8, cntv_ctl_el0) RW(9, cntv_cval_el0) RW(10, cntkctl_el1) RW(11, icc_pmr_el1)
	RW(12, icc_bpr1_el1) RW(13, icc_igrpen1_el1) RW(14, icc_ap1r0_el1) RW(15, tpidr_el1)
	RW(16, contextidr_el1) RW(17, par_el1) RW(18, tcr_el1) RW(19, ttbr0_el1)
	RW(20, mair_el1) RW(21, esr_el1) RW(22, far_el1) RW(23, csselr_el1)
	RW(24, icc_bpr0_el1) RW(25, icc_ctlr_el1) RW(26, dbgbcr5_el1) RW(27, osdlr_el1)
	}
	return 0;
}
#define WRITE_READ_COUNT 28

static void op_sysreg(void)
{
	u64 r = fuzz_rng();

	if (r & 1)
		fuzz_fold(read_id((r >> 1) % 64));
	else
		fuzz_fold(write_read((r >> 1) % WRITE_READ_COUNT, fuzz_rng()));
}

static void op_instruction(void)
{
	switch (fuzz_rng() % 9) {
	case 0: __asm__ volatile("wfi"); break;			/* traps: a reschedule */
	case 1: __asm__ volatile("sevl; wfe"); break;		/* does not trap */
	case 2: __asm__ volatile("svc #0x42"); break;		/* to its own EL1 vectors */
	case 3: __asm__ volatile("brk #0x7"); break;
	case 4: __asm__ volatile(".inst 0x00000000"); break;	/* UDF #0 */
	case 5: __asm__ volatile("mov x0, #%0; hvc #0xffff" : : "i"(HC_VM_ID) : "x0"); break;
	case 6: __asm__ volatile("tlbi vmalle1; dsb ish; isb" : : : "memory"); break;
	case 7: __asm__ volatile("ic iallu; isb"); break;
	default: __asm__ volatile("at s1e1r, %0" : : "r"(fuzz_rng())); fuzz_fold(sysreg_read(par_el1)); break;
	}
}

static void (*const kinds[])(void) = {
	op_hypercall, op_smc, op_device, op_device, op_sysreg, op_sysreg, op_instruction,
};

/* The last operation: one the hypervisor answers by stopping this VM with
 * a report (an access outside the memory map, an instruction it cannot
 * emulate, a register that traps and has no emulation, or a plain request
 * to end). The victim must go on regardless. */
static void fuzz_stop(u64 r)
{
	u64 outside = (GUEST_RAM_BASE + GUEST_RAM_SIZE + (r >> 8) % (64 * 1024 * 1024)) & ~7ULL;
	u64 a, b;

	switch (r % 9) {
	case 0:
		printf("fuzz: last, a load from 0x%lx, outside RAM and every device\n", outside);
		(void)*(volatile u64 *)outside;
		break;
	case 1:
		printf("fuzz: last, an LDP from a device (no syndrome to emulate from)\n");
		__asm__ volatile("ldp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(GUEST_DEMO_BASE));
		break;
	case 2:
		printf("fuzz: last, a read of PMCCNTR_EL0 (the PMU traps, MDCR_EL2.TPM)\n");
		(void)sysreg_read(pmccntr_el0);
		break;
	case 3:
		printf("fuzz: last, an SGI through ICC_SGI1R_EL1 (traps, and this VM has no GIC)\n");
		sysreg_write(icc_sgi1r_el1, r);
		break;
	case 4:
		printf("fuzz: last, a read of ACTLR_EL1 (traps, HCR_EL2.TACR)\n");
		(void)sysreg_read(actlr_el1);
		break;
	case 5:
		printf("fuzz: last, an LDXR from a device (exclusives carry no syndrome)\n");
		__asm__ volatile("ldxr %0, [%1]" : "=r"(a) : "r"(GUEST_DEMO_BASE) : "memory");
		break;
	case 6:
		printf("fuzz: last, a jump to 0x%lx, outside RAM\n", outside);
		((void (*)(void))outside)();
		break;
	case 7:
		printf("fuzz: last, PSCI CPU_OFF of its only vCPU\n");
		smc_call(PSCI_CPU_OFF, 0, 0, 0);
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
	printf("fuzz: %lu hypercalls, %lu SMCs, %lu device accesses, %lu system registers, "
	       "%lu instructions; %lu exceptions taken\n", ops[0], ops[1], ops[2] + ops[3],
	       ops[4] + ops[5], ops[6], guest_exceptions.count);
	fuzz_report(seed, n, guest_exceptions.count);
	fuzz_stop(fuzz_rng());
	return 1;
}
