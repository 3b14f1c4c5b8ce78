/* PSCI SYSTEM_RESET is arm64's: no x86 guest asks hv/vm.c for a reset. */
#include "arch.h"
#include "console.h"

void arch_vm_reset(struct vm *vm)
{
	(void)vm;
	panic("arch_vm_reset: not on x86");
}
