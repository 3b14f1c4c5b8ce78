/* Exit dispatch: the one switch every VM exit of every architecture passes
 * through. The architecture has already decoded its syndrome into a
 * `struct exit`; here it is counted, handled, and the next vCPU chosen. */
#include "exit.h"
#include "arch.h"
#include "console.h"
#include "hypercall.h"
#include "sched.h"
#include "vm.h"

static const char *const kind_names[EXIT_KIND_COUNT] = {
	[EXIT_HYPERCALL] = "hypercall",
	[EXIT_MMIO] = "mmio",
	[EXIT_SYSREG] = "sysreg",
	[EXIT_HALT] = "halt",
	[EXIT_FIRMWARE] = "firmware",
	[EXIT_TIMER] = "timer",
	[EXIT_UNHANDLED] = "unhandled",
};

const char *exit_kind_name(enum exit_kind kind)
{
	return kind < EXIT_KIND_COUNT ? kind_names[kind] : "?";
}

/* Stop only this VM, and say why in terms a student can look up. */
static enum exit_action stop_with_report(struct vcpu *vcpu, struct exit *e, const char *why)
{
	vm_stop(vcpu->vm, why);
	arch_report_exit(vcpu, e);
	return EXIT_STOPPED;
}

/* A load or store to guest-physical memory with no RAM behind it: either an
 * emulated device, or a guest reaching outside its memory map. */
static enum exit_action handle_mmio(struct vcpu *vcpu, struct exit *e)
{
	struct device *d = vm_find_device(vcpu->vm, BUS_MMIO, e->addr);

	if (!d)
		return stop_with_report(vcpu, e, "access outside its memory map");
	if (e->write)
		d->ops->write(vcpu->vm, e->addr - d->base, e->size, e->value);
	else
		e->result = d->ops->read(vcpu->vm, e->addr - d->base, e->size);
	return EXIT_RESUME;
}

static enum exit_action handle_firmware(struct vcpu *vcpu, struct exit *e)
{
	if (!arch_firmware_call(vcpu, e))
		return EXIT_RESUME;
	vm_stop(vcpu->vm, "powered off");
	return EXIT_STOPPED;
}

static enum exit_action dispatch(struct vcpu *vcpu, struct exit *e)
{
	switch (e->kind) {
	case EXIT_HYPERCALL:
		return handle_hypercall(vcpu, e);
	case EXIT_MMIO:
		return handle_mmio(vcpu, e);
	case EXIT_SYSREG:
		if (arch_sysreg_access(vcpu, e))
			return EXIT_RESUME;
		return stop_with_report(vcpu, e, "unhandled system register access");
	case EXIT_HALT:
	case EXIT_TIMER:
		return EXIT_RESCHEDULE;
	case EXIT_FIRMWARE:
		return handle_firmware(vcpu, e);
	default:
		return stop_with_report(vcpu, e, "unhandled trap");
	}
}

struct vcpu *hv_handle_exit(struct vcpu *vcpu, struct exit *e)
{
	vcpu->vm->exits[e->kind]++;

	enum exit_action action = dispatch(vcpu, e);

	if (action != EXIT_STOPPED)
		arch_exit_apply(vcpu, e);
	if (action == EXIT_RESUME)
		return vcpu;
	return sched_next(vcpu);
}
