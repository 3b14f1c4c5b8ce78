/* Hypercalls: the guest asks the hypervisor for a service on purpose. Every
 * argument comes from the guest and is checked before it is used; a guest
 * pointer is only followed after vm_guest_ptr() confirms it is its own RAM. */
#include "hypercall.h"
#include "console.h"
#include "exit.h"
#include "vm.h"

static s64 hc_puts(struct vm *vm, u64 gpa, u64 len)
{
	if (len > HC_PUTS_MAX)
		return HC_ERR_INVAL;
	const char *s = vm_guest_ptr(vm, gpa, len);
	if (!s)
		return HC_ERR_INVAL;
	for (u64 i = 0; i < len; i++)
		vconsole_putc(vm, s[i]);
	return (s64)len;
}

/* The scenario's i-th value for this VM (vm_config.params). */
static s64 hc_param(struct vm *vm, u64 i)
{
	return i < vm->param_count ? (s64)vm->params[i] : HC_ERR_INVAL;
}

enum exit_action handle_hypercall(struct vcpu *vcpu, struct exit *e)
{
	struct vm *vm = vcpu->vm;
	u64 *a = e->args;
	enum exit_action next = EXIT_RESUME;
	s64 r;

	switch (a[0]) {
	case HC_VERSION:
		r = HC_ABI_VERSION;
		break;
	case HC_PUTCHAR:
		vconsole_putc(vm, (char)a[1]);
		r = 0;
		break;
	case HC_PUTS:
		r = hc_puts(vm, a[1], a[2]);
		break;
	case HC_VM_ID:
		r = vm->id;
		break;
	case HC_YIELD:
		next = EXIT_RESCHEDULE;
		r = 0;
		break;
	case HC_EXIT:
		printf("hv: vm '%s' called HC_EXIT with code %ld\n", vm->name, (s64)a[1]);
		vm_stop(vm, "exited");
		return EXIT_STOPPED;
	case HC_ECHO:
		r = (s64)(a[1] + 2 * a[2] + 3 * a[3]);
		break;
	default:	/* here, not a case: the switch above stays the exit path's */
		r = a[0] == HC_PARAM ? hc_param(vm, a[1]) : HC_ERR_UNKNOWN;
		break;
	}
	e->result = (u64)r;
	return next;
}
