/* hypercall_preserves_registers(): fill x1..x28 with known values, make a
 * hypercall, and check that only x0 changed. This is what the world switch
 * in arch_arm64/vectors.S promises every guest (and, BOARD_KVM, the VMM:
 * the doorbell's address rides in x29, which push_callee_saved keeps). */
#include "hypercall.h"

#include "callee_saved.h"

	.text
	.global	hypercall_preserves_registers
hypercall_preserves_registers:
	push_callee_saved
	.irp	n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28
	mov	x\n, #(0x700 + \n)
	.endr
	mov	x0, #HC_VM_ID
#ifdef BOARD_KVM
	ldr	x29, =HC_DOORBELL
	str	x0, [x29]
#else
	hvc	#0
#endif
	mov	x0, #1			/* assume preserved */
	.irp	n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28
	cmp	x\n, #(0x700 + \n)
	csel	x0, xzr, x0, ne
	.endr
	pop_callee_saved
	ret
