/* Exit dispatch: every VM exit of every architecture passes through here.
 * The architecture has already decoded its syndrome into a `struct exit`;
 * here it is counted, handed to the handler for its kind (the table
 * below), and the next vCPU is chosen. */
#include "exit.h"
#include "arch.h"
#include "console.h"
#include "hypercall.h"
#include "sched.h"
#include "vm.h"

static const char *const kind_names[EXIT_KIND_COUNT] = {
	[EXIT_HYPERCALL] = "hypercall",
	[EXIT_MMIO] = "mmio",
	[EXIT_PIO] = "pio",
	[EXIT_SYSREG] = "sysreg",
	[EXIT_HALT] = "halt",
	[EXIT_FIRMWARE] = "firmware",
	[EXIT_PAGING] = "paging",
	[EXIT_TIMER] = "timer",
	[EXIT_IRQ] = "irq",
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

/* The access itself, to device `d`: its model reads or writes. A device
 * may ask for the VM to be powered off (vm->power_off_requested). */
static inline __attribute__((always_inline)) enum exit_action
device_access(struct vm *vm, struct device *d, struct exit *e)
{
	if (e->write)
		d->ops->write(vm, d, e->addr - d->base, e->size, e->value);
	else
		e->result = d->ops->read(vm, d, e->addr - d->base, e->size);
	if (vm->power_off_requested) {
		vm_stop(vm, "powered off");
		return EXIT_STOPPED;
	}
	return EXIT_RESUME;
}

/* An access partly in a device and partly not (RAM, nothing, another
 * device): it is neither split nor half done; the VM stops. */
static enum exit_action stop_straddling(struct vcpu *vcpu, struct exit *e, enum bus_space space)
{
	enum exit_action action = stop_with_report(vcpu, e, "device access not wholly inside one device");

	printf("hv:   %u-byte %s at %s 0x%lx crosses a device's edge\n", e->size,
	       e->write ? "store" : "load", space == BUS_MMIO ? "guest-physical" : "port", e->addr);
	return action;
}

/* A load or store to guest-physical memory with no RAM behind it, or to an
 * I/O port: either an emulated device, or a guest reaching outside its map. */
static enum exit_action handle_device(struct vcpu *vcpu, struct exit *e, enum bus_space space)
{
	struct vm *vm = vcpu->vm;
	u8 size = e->size ? e->size : 1;
	struct device *d = vm_find_device(vm, space, e->addr, size);

	if (!d && (vm_find_device(vm, space, e->addr, 1) ||
		   vm_find_device(vm, space, e->addr + size - 1, 1)))
		return stop_straddling(vcpu, e, space);
	if (!d && space == BUS_MMIO && vm->unbacked == UNBACKED_KVM) {
		e->result = 0;	/* KVM exits to its VMM, which finds no device there:
				 * QEMU and kvmtool ignore the store, read 0 */
		return EXIT_RESUME;
	}
	if (!d)
		return stop_with_report(vcpu, e, space == BUS_MMIO ?
					"access outside its memory map" : "access to an I/O port with no device");
	if (!e->size)
		return stop_with_report(vcpu, e, "device access by an instruction the hypervisor cannot decode");
	return device_access(vm, d, e);
}

static enum exit_action handle_mmio(struct vcpu *vcpu, struct exit *e)
{
	return handle_device(vcpu, e, BUS_MMIO);
}

static enum exit_action handle_pio(struct vcpu *vcpu, struct exit *e)
{
	return handle_device(vcpu, e, BUS_PIO);
}

static enum exit_action handle_sysreg(struct vcpu *vcpu, struct exit *e)
{
	if (arch_sysreg_access(vcpu, e))
		return EXIT_RESUME;
	return stop_with_report(vcpu, e, "unhandled system register access");
}

static enum exit_action handle_firmware(struct vcpu *vcpu, struct exit *e)
{
	if (!arch_firmware_call(vcpu, e))
		return vcpu->runnable ? EXIT_RESUME : EXIT_RESCHEDULE;	/* CPU_OFF */
	vm_stop(vcpu->vm, "powered off");
	return EXIT_STOPPED;
}

/* A shadow page fault, CR3 load or INVLPG: the architecture resolved it
 * while decoding (arch_x86_64/shadow.c); it only needs counting. */
static enum exit_action handle_paging(struct vcpu *vcpu, struct exit *e)
{
	(void)vcpu, (void)e;
	return EXIT_RESUME;
}

/* The time slice is over: someone else's turn. */
static enum exit_action handle_reschedule(struct vcpu *vcpu, struct exit *e)
{
	(void)vcpu, (void)e;
	return EXIT_RESCHEDULE;
}

/* WFI/HLT: the vCPU waits for an interrupt (sched.c passes it over until
 * it has one); a console line it left unfinished, a shell's prompt, is
 * shown now. */
static enum exit_action handle_halt(struct vcpu *vcpu, struct exit *e)
{
	(void)e;
	vconsole_idle(vcpu->vm);
	vcpu->halted = true;
	return EXIT_RESCHEDULE;
}

/* The architecture already handed the interrupt on: back into the guest. */
static enum exit_action handle_irq(struct vcpu *vcpu, struct exit *e)
{
	(void)vcpu, (void)e;
	return EXIT_RESUME;
}

static enum exit_action handle_unhandled(struct vcpu *vcpu, struct exit *e)
{
	return stop_with_report(vcpu, e, "unhandled trap");
}

/* The exit table: one handler per kind of exit. */
static enum exit_action (*const handlers[EXIT_KIND_COUNT])(struct vcpu *, struct exit *) = {
	[EXIT_HYPERCALL] = handle_hypercall,
	[EXIT_MMIO] = handle_mmio,
	[EXIT_PIO] = handle_pio,
	[EXIT_SYSREG] = handle_sysreg,
	[EXIT_HALT] = handle_halt,
	[EXIT_FIRMWARE] = handle_firmware,
	[EXIT_PAGING] = handle_paging,
	[EXIT_TIMER] = handle_reschedule,
	[EXIT_IRQ] = handle_irq,
	[EXIT_UNHANDLED] = handle_unhandled,
};

/* After the handler: its result into the guest, then the same vCPU or the
 * scheduler's choice. */
static struct vcpu *next_vcpu(struct vcpu *vcpu, struct exit *e, enum exit_action action)
{
	if (action != EXIT_STOPPED)
		arch_exit_apply(vcpu, e);
	if (action == EXIT_RESUME)
		return vcpu;
	return sched_next(vcpu);
}

struct vcpu *hv_handle_exit(struct vcpu *vcpu, struct exit *e)
{
	vcpu->exits[e->kind]++;
	if (!vcpu->runnable)		/* stopped meanwhile, by another vCPU of its VM */
		return sched_next(vcpu);
	return next_vcpu(vcpu, e, handlers[e->kind](vcpu, e));
}

/* The fast lane's device access (an EXIT_MMIO the architecture decoded):
 * what hv_handle_exit() does with it, minus the exit table, when a device
 * covers the address; NULL, with nothing done, when none does (or the vCPU
 * was stopped meanwhile): the full path then reports or answers it. */
struct vcpu *hv_fast_mmio(struct vcpu *vcpu, struct exit *e)
{
	struct device *d = vm_find_device(vcpu->vm, BUS_MMIO, e->addr, e->size);

	if (!d || !vcpu->runnable)
		return NULL;
	vcpu->exits[EXIT_MMIO]++;
	return next_vcpu(vcpu, e, device_access(vcpu->vm, d, e));
}
