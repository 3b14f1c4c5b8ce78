/* x86_64 start-up in C: console, the host's CPU tables, then the choice of
 * back end (VT-x or AMD-V) from what CPUID reports, unless the target file
 * names one (trap and emulate, which needs no CPU support); then the
 * portable core takes over in hv/main.c. */
#include "arch.h"
#include "backend.h"
#include "config.h"
#include "console.h"
#include "cpu.h"
#include "pic.h"
#include "x86.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002

void uart_init(void);
_Noreturn void hv_main(u64 free_start, u64 free_end);
extern char __image_end[];

const struct x86_backend *backend;

#ifdef PLATFORM_BACKEND_TRAP_EMULATE	/* [platform] backend = "trap-emulate" */
static const struct x86_backend *const backends[] = { &trap_emulate_backend };
#else
static const struct x86_backend *const backends[] = { &vmx_backend, &svm_backend };
#endif

_Noreturn void x86_init(u32 multiboot_magic)
{
	uart_init();
	cpu_init();
	pic_init();	/* the BIOS left the PIT ticking: every interrupt line masked */
	x86_fpu_init();	/* before VT-x copies the host's CR0/CR4 into VMCSs */
	if (multiboot_magic != MULTIBOOT_BOOTLOADER_MAGIC)
		printf("hv: not started by a Multiboot loader (eax=0x%x)\n", multiboot_magic);
	for (unsigned i = 0; i < ARRAY_SIZE(backends) && !backend; i++)
		if (backends[i]->probe())
			backend = backends[i];
	if (!backend)
		panic("this CPU offers no hardware virtualization the hypervisor knows");
	printf("hv: using %s\n", backend->name);
	backend->enable();
	hv_main(ALIGN_UP((u64)__image_end, PAGE_SIZE), PLATFORM_RAM_BASE + PLATFORM_RAM_SIZE);
}
