/* world-switch-fpsimd: V0-V31, FPSR and FPCR hold this VM's values while it
 * is preempted by the other VM (CPTR_EL2.TFP is clear: guests use FP/SIMD
 * with no exit, and vcpu.c switches the register file). */
#include "guest.h"

#define ROUNDS		3
#define GAP_US		500
#define VREGS		32
#define CPACR_FPEN_ALL	(3ULL << 20)	/* no FP/SIMD trap at EL1 or EL0 */
#define FPCR_DN		BIT(25)
#define FPCR_FZ		BIT(24)
#define FPCR_RMODE(m)	((u64)(m) << 22)

void fp_fill_wait_dump(const u64 *in, const u64 *in_ctl, u64 *out, u64 *out_ctl, u64 gap);

static u64 in[2][VREGS * 2], out[VREGS * 2];	/* two u64 halves per Vn */

int main(void)
{
	u64 id = (u64)hypercall(HC_VM_ID, 0, 0, 0) & 1, gap = GAP_US * counter_freq() / 1000000;
	const u64 ctl[2][2] = { { 0x0800009f, FPCR_DN | FPCR_RMODE(1) },	/* FPSR: QC, flags */
				{ 0x00000001, FPCR_FZ | FPCR_RMODE(3) } };	/* FPSR: IOC */
	u64 out_ctl[2];
	unsigned lost = 0, foreign = 0;

	sysreg_write(cpacr_el1, CPACR_FPEN_ALL);
	for (unsigned vm = 0; vm < 2; vm++)
		for (unsigned n = 0; n < VREGS * 2; n++)
			in[vm][n] = 0xf00d000000000000ULL | (u64)(vm + 1) << 32 | n;
	for (unsigned round = 0; round < ROUNDS; round++) {
		fp_fill_wait_dump(in[id], ctl[id], out, out_ctl, gap);
		for (unsigned n = 0; n < VREGS * 2; n++)
			if (out[n] != in[id][n]) {
				printf("VM %lu: V%u (half %u) reads 0x%lx\n", id, n / 2, n % 2, out[n]);
				*(out[n] == in[id ^ 1][n] ? &foreign : &lost) += 1;
			}
		for (unsigned i = 0; i < 2; i++)
			if (out_ctl[i] != ctl[id][i]) {
				printf("VM %lu: %s reads 0x%lx\n", id, i ? "FPCR" : "FPSR", out_ctl[i]);
				*(out_ctl[i] == ctl[id ^ 1][i] ? &foreign : &lost) += 1;
			}
	}
	spin_ms(WS_LINGER_MS);
	check(lost == 0 && foreign == 0, "V0-V31, FPSR and FPCR kept VM %lu's values over %u preemptions",
	      id, ROUNDS);
	check(foreign == 0, "no FP/SIMD register ever showed the other VM's value");
	return summary();
}
