/* Hypercalls: the guest asks the hypervisor for a service on purpose. Every
 * argument comes from the guest and is checked before it is used; a guest
 * pointer is only followed after vm_guest_ptr() confirms it is its own RAM.
 * Most calls are answered at once (hypercall_immediate: what an exit path's
 * fast lane can take); HC_YIELD and HC_EXIT need the scheduler. */
#include "hypercall.h"
#include "arch.h"
#include "console.h"
#include "exit.h"
#include "vm.h"

/* The calls that do work; each writes the result and says it answered
 * (called last, so that the common calls above need no stack frame). */
static __attribute__((noinline)) bool hc_putchar(struct vm *vm, char c, u64 *result)
{
	vconsole_putc(vm, c);
	*result = 0;
	return true;
}

/* The scenario's i-th value for this VM (vm_config.params). */
static __attribute__((noinline)) bool hc_param(struct vm *vm, u64 i, u64 *result)
{
	*result = i < vm->param_count ? vm->params[i] : (u64)HC_ERR_INVAL;
	return true;
}

static __attribute__((noinline)) bool hc_puts(struct vm *vm, u64 gpa, u64 len, u64 *result)
{
	const char *s = len <= HC_PUTS_MAX ? vm_guest_ptr(vm, gpa, len) : NULL;

	*result = s ? len : (u64)HC_ERR_INVAL;
	for (u64 i = 0; s && i < len; i++)
		vconsole_putc(vm, s[i]);
	return true;
}

bool hypercall_immediate(struct vm *vm, const u64 a[4], u64 *result)
{
	switch (a[0]) {
	case HC_VERSION:
		*result = HC_ABI_VERSION;
		return true;
	case HC_VM_ID:
		*result = vm->id;
		return true;
	case HC_ECHO:
		*result = a[1] + 2 * a[2] + 3 * a[3];
		return true;
	case HC_PUTCHAR:
		return hc_putchar(vm, (char)a[1], result);
	case HC_PUTS:
		return hc_puts(vm, a[1], a[2], result);
	case HC_PARAM:
		return hc_param(vm, a[1], result);
	default:
		return false;
	}
}

enum exit_action handle_hypercall(struct vcpu *vcpu, struct exit *e)
{
	struct vm *vm = vcpu->vm;
	u64 *a = e->args;

	if (!arch_vcpu_privileged(vcpu)) {	/* a guest's user code asks for nothing */
		e->result = (u64)HC_ERR_PERM;
		return EXIT_RESUME;
	}
	switch (a[0]) {
	case HC_YIELD:
		e->result = 0;
		return EXIT_RESCHEDULE;
	case HC_EXIT:
		printf("hv: vm '%s' called HC_EXIT with code %ld\n", vm->name, (s64)a[1]);
		vm_stop(vm, "exited");
		return EXIT_STOPPED;
	default:
		if (!hypercall_immediate(vm, a, &e->result))
			e->result = (u64)HC_ERR_UNKNOWN;
		return EXIT_RESUME;
	}
}
