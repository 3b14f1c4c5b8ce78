/* Creating VMs from the build's configuration: give each its own RAM, map
 * it through the second stage, load the guest image, attach devices. */
#include "vm.h"
#include "arch.h"
#include "config.h"
#include "console.h"
#include "mm.h"
#include "sched.h"

struct vm vms[HV_MAX_VMS];
unsigned vm_count;

void vm_add_device(struct vm *vm, const char *name, enum bus_space space,
		   u64 base, u64 size, const struct device_ops *ops)
{
	if (vm->device_count == VM_MAX_DEVICES)
		panic("vm %s: too many devices", vm->name);
	vm->devices[vm->device_count++] = (struct device){
		.name = name, .space = space, .base = base, .size = size, .ops = ops,
	};
}

/* An access belongs to a device only if every byte of it does: one that
 * starts or ends outside (in RAM, in no man's land, in another device) is
 * no device's, and never half done (hv/exit.c stops the VM). */
struct device *vm_find_device(struct vm *vm, enum bus_space space, u64 addr, u64 size)
{
	u64 last = addr + size - 1;

	for (unsigned i = 0; i < vm->device_count; i++) {
		struct device *d = &vm->devices[i];
		if (d->space == space && addr >= d->base && last - d->base < d->size)
			return d;
	}
	return NULL;
}

void *vm_guest_ptr(struct vm *vm, u64 gpa, u64 len)
{
	struct mem_region *r = &vm->ram;

	if (gpa < r->gpa || len > r->size || gpa - r->gpa > r->size - len)
		return NULL;
	return r->host + (gpa - r->gpa);
}

/* A test guest: a flat binary that starts at its first byte. */
static void load_flat_image(struct vm *vm, const struct vm_config *cfg)
{
	u64 image_size = (u64)(cfg->image_end - cfg->image);

	if (image_size > vm->ram.size - GUEST_IMAGE_OFFSET)
		panic("vm %s: image (%lu bytes) larger than its RAM", vm->name, image_size);
	memcpy(vm->ram.host + GUEST_IMAGE_OFFSET, cfg->image, image_size);
	arch_vcpu_init(&vm->vcpus[0], GUEST_RAM_BASE + GUEST_IMAGE_OFFSET);
}

/* Its image (a Linux VM's: kernel, initramfs and DTB) into RAM, vCPU 0 at
 * its entry. */
static void load_image(struct vm *vm, const struct vm_config *cfg)
{
	if (cfg->boot.dtb)
		linux_boot_load(vm, cfg);
	else
		load_flat_image(vm, cfg);
}

/* vCPU n of a VM runs on physical CPU n: only one VM can have several. */
static bool several_vcpus_before(unsigned id)
{
	for (unsigned i = 0; i < id; i++)
		if (vm_configs[i].vcpu_count > 1)
			return true;
	return false;
}

/* Under the EDF policy every vCPU has a reservation: Θ of every Π, in
 * counter ticks (sched_edf.c). The harness checked that each CPU's
 * reservations fit (Σ Θ/Π <= 1, with rt/); a malformed one stops here. */
static void reserve(struct vcpu *v, u64 period_us, u64 budget_us)
{
	u64 hz = arch_clock_hz();

	if (!period_us || budget_us > period_us)
		panic("vm %s vCPU %u: reservation of %lu us every %lu us", v->vm->name, v->id,
		      budget_us, period_us);
	v->rsv.period = period_us * hz / USEC_PER_SEC;
	v->rsv.budget = budget_us * hz / USEC_PER_SEC;
}

static void vm_create(struct vm *vm, unsigned id, const struct vm_config *cfg)
{
	u64 image_size = (u64)(cfg->image_end - cfg->image);
	u64 ram_size = cfg->ram_size ? cfg->ram_size : GUEST_RAM_SIZE;

	vm->id = id;
	vm->name = cfg->name;
	vm->from_reset = cfg->from_reset;
	vm->unbacked = cfg->unbacked;
	vm->irqchip = cfg->irqchip;
	vm->passthrough = cfg->boot.dtb != NULL && !vm->irqchip;
	if (vm->passthrough && vm_config_count != 1)
		panic("vm %s: a Linux guest without an emulated GIC owns the real UART and GIC: "
		      "it must run alone", vm->name);
	vm->vcpu_count = cfg->vcpu_count ? cfg->vcpu_count : 1;
	if (vm->vcpu_count > VM_MAX_VCPUS ||
	    (vm->vcpu_count > 1 && sched_policy != SCHED_EDF && several_vcpus_before(id)))
		panic("vm %s: %u vCPUs: at most %u, and, but under the EDF policy, only one VM "
		      "with more than one", vm->name, vm->vcpu_count, VM_MAX_VCPUS);
	vm->params = cfg->params;
	vm->param_count = cfg->param_count;
	vm->ram = (struct mem_region){
		.gpa = GUEST_RAM_BASE,
		.size = ram_size,
		.host = mm_alloc(ram_size, GUEST_RAM_ALIGN),
	};

	arch_vm_init(vm);
	arch_map(vm, vm->ram.gpa, (u64)vm->ram.host, vm->ram.size);
	if (vm->passthrough)
		platform_pass_through(vm);
	else
		platform_add_devices(vm);

	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].id = i;
		if (i > 0)
			arch_vcpu_init(&vm->vcpus[i], 0);	/* off until PSCI CPU_ON */
		if (sched_policy == SCHED_EDF)
			reserve(&vm->vcpus[i], cfg->period_us, cfg->budget_us[i]);
	}
	vm->vcpus[0].runnable = true;
	load_image(vm, cfg);
	printf("hv: vm %u '%s': %lu KiB RAM at gpa 0x%lx (host 0x%lx), image %lu bytes\n",
	       id, vm->name, vm->ram.size / KiB, vm->ram.gpa, (u64)vm->ram.host, image_size);
}

void vm_create_all(void)
{
	if (vm_config_count > HV_MAX_VMS)
		panic("%u VMs configured, at most %u supported", vm_config_count, HV_MAX_VMS);
	for (unsigned i = 0; i < vm_config_count; i++)
		vm_create(&vms[i], i, &vm_configs[i]);
	vm_count = vm_config_count;
}

unsigned vm_max_vcpus(void)
{
	unsigned n = 1;

	for (unsigned i = 0; i < vm_count; i++)
		n = vms[i].vcpu_count > n ? vms[i].vcpu_count : n;
	return n;
}

/* PSCI SYSTEM_RESET: the VM starts again, as QEMU's system reset starts a
 * machine: its images loaded again (the rest of RAM as it was), its devices
 * and vCPUs as at power-on, vCPU 0 at the entry. The VM's other vCPUs
 * are stopped first; the reload itself happens on vCPU 0's CPU
 * (arch_vm_reset()), once no other CPU runs any of them. */
void vm_reset(struct vm *vm)
{
	vconsole_flush(vm);
	printf("hv: vm '%s' restarts (PSCI SYSTEM_RESET)\n", vm->name);
	for (unsigned i = 1; i < vm->vcpu_count; i++) {
		vm->vcpus[i].runnable = false;
		if (vm->vcpus[i].id != arch_cpu_id())
			arch_vcpu_kick(&vm->vcpus[i]);
	}
	arch_vm_reset(vm);
}

/* ... the part on vCPU 0's CPU: images, devices, vCPUs. */
void vm_reload(struct vm *vm)
{
	const struct vm_config *cfg = &vm_configs[vm->id];

	for (unsigned i = 0; i < vm->device_count; i++)
		memset(vm->devices[i].state, 0, sizeof(vm->devices[i].state));
	vm->line_len = 0;
	for (unsigned i = 1; i < vm->vcpu_count; i++)
		arch_vcpu_init(&vm->vcpus[i], 0);	/* off until PSCI CPU_ON */
	load_image(vm, cfg);
	vm->vcpus[0].halted = false;
	vm->vcpus[0].runnable = true;
}

/* The other vCPUs of a stopping VM may be in the guest on their own CPUs:
 * each is kicked out (the scheduler then parks its CPU), after the reason
 * is printed. The run's end waits for them (sched.c), so that a report this
 * CPU prints after this is never cut short by the power-off. */
void vm_stop(struct vm *vm, const char *why)
{
	vconsole_flush(vm);
	vm->stopped = true;
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		vm->vcpus[i].runnable = false;
	printf("hv: vm '%s' stopped: %s\n", vm->name, why);
	for (unsigned i = 0; vm->vcpu_count > 1 && i < vm->vcpu_count; i++)
		if (vm->vcpus[i].id != arch_cpu_id())	/* the others, on their own CPUs */
			arch_vcpu_kick(&vm->vcpus[i]);
}
