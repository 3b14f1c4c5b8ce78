/* Guest entry: the hypervisor starts us at EL1, MMU off, at the base of our
 * RAM. Set a stack, clear .bss, run main(), then power off through PSCI,
 * as a guest on real firmware would (by SMC; under KVM, BOARD_KVM, by HVC). */
#include "../../../arch_arm64/enter_c.h"
#define PSCI_SYSTEM_OFF	0x84000008

	.section .text.boot, "ax"
	.global	_start
_start:
	enter_c	main
	ldr	x0, =PSCI_SYSTEM_OFF
#ifdef BOARD_KVM
	hvc	#0		/* KVM's PSCI conduit */
#else
	smc	#0
#endif
3:	wfi			/* not reached: SYSTEM_OFF does not return */
	b	3b
