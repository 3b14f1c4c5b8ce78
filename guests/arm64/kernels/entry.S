/* The first instruction of a raw-binary kernel: QEMU's loader (and the
 * hypervisor, hv/linux_boot.c) enters the file at its first byte, at EL1
 * with the MMU off, x0 = the device tree's address and x1-x3 zero. Keep
 * those, note where we were entered, set a stack, clear .bss, and call
 * kernel_main(x0, x1, x2, x3, entry), which powers off. */
#include "../../../arch_arm64/enter_c.h"

	.section .text.boot, "ax"
	.global	_start
_start:
	adr	x4, _start		/* the address we were entered at */
	enter_c	kernel_main
3:	wfi				/* not reached: kernel_main powers off */
	b	3b
