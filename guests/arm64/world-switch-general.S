/* fill_wait_dump(const u64 in[31], u64 out[31], u64 gap_ticks): load x0-x28
 * and NZCV from `in` (in[29] is NZCV), spin until the counter jumps by more
 * than gap_ticks (the CPU went to the other VM and came back), then store
 * x0-x28, NZCV and SP to `out` (out[29], out[30]). The loop touches only
 * x29, x30 and the stack: no flags, no other register. */
#define IN	0
#define OUT	8
#define GAP	16
#define LAST	24
#define SAVED	32			/* x19-x28 */
#define FRAME	(SAVED + 80 + 16)

	.text
	.global	fill_wait_dump
fill_wait_dump:
	sub	sp, sp, #FRAME
	stp	x29, x30, [sp, #FRAME - 16]
	stp	x19, x20, [sp, #SAVED + 0]
	stp	x21, x22, [sp, #SAVED + 16]
	stp	x23, x24, [sp, #SAVED + 32]
	stp	x25, x26, [sp, #SAVED + 48]
	stp	x27, x28, [sp, #SAVED + 64]
	stp	x0, x1, [sp, #IN]
	str	x2, [sp, #GAP]
	mrs	x30, cntvct_el0
	str	x30, [sp, #LAST]
	ldr	x1, [x0, #8 * 29]
	msr	nzcv, x1
	ldp	x2, x3, [x0, #8 * 2]
	ldp	x4, x5, [x0, #8 * 4]
	ldp	x6, x7, [x0, #8 * 6]
	ldp	x8, x9, [x0, #8 * 8]
	ldp	x10, x11, [x0, #8 * 10]
	ldp	x12, x13, [x0, #8 * 12]
	ldp	x14, x15, [x0, #8 * 14]
	ldp	x16, x17, [x0, #8 * 16]
	ldp	x18, x19, [x0, #8 * 18]
	ldp	x20, x21, [x0, #8 * 20]
	ldp	x22, x23, [x0, #8 * 22]
	ldp	x24, x25, [x0, #8 * 24]
	ldp	x26, x27, [x0, #8 * 26]
	ldr	x28, [x0, #8 * 28]
	ldp	x0, x1, [x0]
1:	isb
	mrs	x30, cntvct_el0
	ldr	x29, [sp, #LAST]
	str	x30, [sp, #LAST]
	sub	x29, x30, x29		/* ticks since the last read */
	ldr	x30, [sp, #GAP]
	sub	x29, x29, x30
	sub	x29, x29, #1
	tbnz	x29, #63, 1b		/* not above the gap: still spinning */
	ldr	x29, [sp, #OUT]
	stp	x0, x1, [x29]
	stp	x2, x3, [x29, #8 * 2]
	stp	x4, x5, [x29, #8 * 4]
	stp	x6, x7, [x29, #8 * 6]
	stp	x8, x9, [x29, #8 * 8]
	stp	x10, x11, [x29, #8 * 10]
	stp	x12, x13, [x29, #8 * 12]
	stp	x14, x15, [x29, #8 * 14]
	stp	x16, x17, [x29, #8 * 16]
	stp	x18, x19, [x29, #8 * 18]
	stp	x20, x21, [x29, #8 * 20]
	stp	x22, x23, [x29, #8 * 22]
	stp	x24, x25, [x29, #8 * 24]
	stp	x26, x27, [x29, #8 * 26]
	str	x28, [x29, #8 * 28]
	mrs	x30, nzcv
	str	x30, [x29, #8 * 29]
	mov	x30, sp
	str	x30, [x29, #8 * 30]
	ldp	x19, x20, [sp, #SAVED + 0]
	ldp	x21, x22, [sp, #SAVED + 16]
	ldp	x23, x24, [sp, #SAVED + 32]
	ldp	x25, x26, [sp, #SAVED + 48]
	ldp	x27, x28, [sp, #SAVED + 64]
	ldp	x29, x30, [sp, #FRAME - 16]
	add	sp, sp, #FRAME
	ret
