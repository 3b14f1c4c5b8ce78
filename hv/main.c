/* The portable start of the hypervisor, reached from the architecture's boot
 * code once the CPU, its page tables and the console are ready. */
#include "arch.h"
#include "config.h"
#include "console.h"
#include "mm.h"
#include "sched.h"
#include "vm.h"

_Noreturn void hv_main(u64 free_start, u64 free_end)
{
	printf("hv: teaching hypervisor, %s, %u VM(s)\n", HV_ARCH_NAME, vm_config_count);
	mm_init(free_start, free_end);
	vm_create_all();
	vconsole_start();
	arch_cpus_start(vm_max_vcpus());
	arch_vcpu_run(sched_first());
}
