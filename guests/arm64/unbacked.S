/* Accesses the hypervisor cannot emulate from the syndrome (ISV=0). */
	.text
	/* u64 load_pair_at(u64 addr, u64 old): LDP of two doublewords at
	 * addr; returns the sum of what was loaded, or `old` if the load
	 * took an exception (the handler resumes after it). */
	.global	load_pair_at
load_pair_at:
	lsr	x2, x1, #1
	sub	x3, x1, x2
	ldp	x2, x3, [x0]
	add	x0, x2, x3
	ret
