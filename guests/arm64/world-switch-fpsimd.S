/* fp_fill_wait_dump(const u128 in[32], u64 in_ctl[2], u128 out[32],
 * u64 out_ctl[2], u64 gap_ticks): load V0-V31 and FPSR, FPCR, spin until
 * the counter jumps by more than gap_ticks, store them all. The loop uses
 * only general registers. */
	.text
	.global	fp_fill_wait_dump
fp_fill_wait_dump:
	ldp	q0, q1, [x0, #16 * 0]
	ldp	q2, q3, [x0, #16 * 2]
	ldp	q4, q5, [x0, #16 * 4]
	ldp	q6, q7, [x0, #16 * 6]
	ldp	q8, q9, [x0, #16 * 8]
	ldp	q10, q11, [x0, #16 * 10]
	ldp	q12, q13, [x0, #16 * 12]
	ldp	q14, q15, [x0, #16 * 14]
	ldp	q16, q17, [x0, #16 * 16]
	ldp	q18, q19, [x0, #16 * 18]
	ldp	q20, q21, [x0, #16 * 20]
	ldp	q22, q23, [x0, #16 * 22]
	ldp	q24, q25, [x0, #16 * 24]
	ldp	q26, q27, [x0, #16 * 26]
	ldp	q28, q29, [x0, #16 * 28]
	ldp	q30, q31, [x0, #16 * 30]
	ldp	x5, x6, [x1]
	msr	fpsr, x5
	msr	fpcr, x6
	isb
	mrs	x5, cntvct_el0
1:	isb
	mrs	x6, cntvct_el0
	sub	x7, x6, x5
	mov	x5, x6
	cmp	x7, x4
	b.ls	1b
	stp	q0, q1, [x2, #16 * 0]
	stp	q2, q3, [x2, #16 * 2]
	stp	q4, q5, [x2, #16 * 4]
	stp	q6, q7, [x2, #16 * 6]
	stp	q8, q9, [x2, #16 * 8]
	stp	q10, q11, [x2, #16 * 10]
	stp	q12, q13, [x2, #16 * 12]
	stp	q14, q15, [x2, #16 * 14]
	stp	q16, q17, [x2, #16 * 16]
	stp	q18, q19, [x2, #16 * 18]
	stp	q20, q21, [x2, #16 * 20]
	stp	q22, q23, [x2, #16 * 22]
	stp	q24, q25, [x2, #16 * 24]
	stp	q26, q27, [x2, #16 * 26]
	stp	q28, q29, [x2, #16 * 28]
	stp	q30, q31, [x2, #16 * 30]
	mrs	x5, fpsr
	mrs	x6, fpcr
	stp	x5, x6, [x3]
	ret
