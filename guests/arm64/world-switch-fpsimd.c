/* world-switch-fpsimd: V0-V31, FPSR and FPCR hold this VM's values while it
 * is preempted by the other VM (CPTR_EL2.TFP is clear: guests use FP/SIMD
 * with no exit, and vcpu.c switches the register file). */
#include "guest.h"

#define ROUNDS		3
#define GAP_US		500
#define LIMIT_MS	100
#define VREGS		32
#define CPACR_FPEN_ALL	(3ULL << 20)	/* no FP/SIMD trap at EL1 or EL0 */
#define FPCR_DN		BIT(25)
#define FPCR_FZ		BIT(24)
#define FPCR_RMODE(m)	((u64)(m) << 22)

/* As struct fpsimd_state in arch_arm64/arch_vcpu.h: V0-V31 as two u64 halves each. */
struct fp_file {
	u64 v[VREGS * 2];
	u64 fpsr, fpcr;
} __attribute__((aligned(16)));

void fpsimd_load(const struct fp_file *f);	/* arch_arm64/fpsimd.S */
void fpsimd_save(struct fp_file *f);

static struct fp_file in[2], out;

static void compare(u64 id, const char *name, u64 seen, unsigned *lost, unsigned *foreign,
		    u64 mine, u64 theirs)
{
	if (seen == mine)
		return;
	printf("VM %lu: %s reads 0x%lx\n", id, name, seen);
	*(seen == theirs ? foreign : lost) += 1;
}

int main(void)
{
	u64 id = (u64)hypercall(HC_VM_ID, 0, 0, 0) & 1;
	unsigned lost = 0, foreign = 0, preempted = 0;

	sysreg_write(cpacr_el1, CPACR_FPEN_ALL);
	for (unsigned vm = 0; vm < 2; vm++)
		for (unsigned n = 0; n < VREGS * 2; n++)
			in[vm].v[n] = 0xf00d000000000000ULL | (u64)(vm + 1) << 32 | n;
	in[0].fpsr = 0x0800009f, in[0].fpcr = FPCR_DN | FPCR_RMODE(1);	/* QC, flags */
	in[1].fpsr = 0x00000001, in[1].fpcr = FPCR_FZ | FPCR_RMODE(3);	/* IOC */
	for (unsigned round = 0; round < ROUNDS; round++) {
		fpsimd_load(&in[id]);	/* from here to fpsimd_save: general registers only */
		preempted += wait_for_preemption(GAP_US, LIMIT_MS);
		fpsimd_save(&out);
		for (unsigned n = 0; n < VREGS * 2; n++)
			compare(id, "a V register half", out.v[n], &lost, &foreign, in[id].v[n],
				in[id ^ 1].v[n]);
		compare(id, "FPSR", out.fpsr, &lost, &foreign, in[id].fpsr, in[id ^ 1].fpsr);
		compare(id, "FPCR", out.fpcr, &lost, &foreign, in[id].fpcr, in[id ^ 1].fpcr);
	}
	spin_ms(WS_LINGER_MS);
	check(preempted == ROUNDS && lost == 0 && foreign == 0,
	      "V0-V31, FPSR and FPCR kept VM %lu's values over %u preemptions", id, preempted);
	check(foreign == 0, "no FP/SIMD register ever showed the other VM's value");
	return summary();
}
