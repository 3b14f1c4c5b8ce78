/* rt's assembly: the EL1 vectors (irq/vectors.S), the calibrated work of a
 * job (burn), and where PSCI CPU_ON starts its second vCPU. */
#include "irq/vectors.S"

	.text
	/* burn(iterations): exactly 2 instructions per iteration, whatever
	 * interrupts it: the calibrated work of a real-time job. */
	.global	burn
burn:
	cbz	x0, 2f
1:	subs	x0, x0, #1
	b.ne	1b
2:	ret

	/* rt_secondary_entry: where PSCI CPU_ON starts another vCPU, with x0 =
	 * the top of its stack; then rt_secondary_main() (rt.c). */
	.global	rt_secondary_entry
rt_secondary_entry:
	mov	sp, x0
	bl	rt_secondary_main
3:	wfi
	b	3b
