/* The console back end shared by every emulated UART and the putchar/puts
 * hypercalls: collect a VM's bytes into lines, and print each finished line
 * with the VM's name in front, so that two VMs' output never mixes mid-line. */
#include "vm.h"
#include "console.h"

void vconsole_flush(struct vm *vm)
{
	if (vm->line_len == 0)
		return;
	vm->line[vm->line_len] = '\0';
	printf("[%s] %s\n", vm->name, vm->line);
	vm->line_len = 0;
}

void vconsole_putc(struct vm *vm, char c)
{
	if (c == '\n') {
		vconsole_flush(vm);
		return;
	}
	if (c == '\r')
		return;
	if ((u8)c < ' ' && c != '\t')
		c = '?';	/* keep control bytes off the real terminal */
	vm->line[vm->line_len++] = c;
	if (vm->line_len == VM_LINE_MAX - 1)
		vconsole_flush(vm);
}
