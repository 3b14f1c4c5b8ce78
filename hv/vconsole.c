/* The console back end shared by every emulated UART and the putchar/puts
 * hypercalls. Output: a VM's bytes are collected into lines, each printed
 * with the VM's name in front, so that two VMs' output never mixes
 * mid-line; a VM that goes idle in the middle of a line (a shell's prompt)
 * has the line shown so far, left open for what it prints next.
 * Input: what is typed at the real console goes to one VM at a time, the
 * console owner: at first the first VM that takes input; Ctrl-A and then
 * a VM's number give it to that VM (Ctrl-A twice types one Ctrl-A). */
#include "vm.h"
#include "console.h"

#define CTRL_A		0x01
#define DEL		0x7f

static void show(struct vm *vm, bool complete)
{
	char prefix[VM_LINE_MAX];
	unsigned n = 0;

	prefix[n++] = '[';
	for (const char *s = vm->name; *s && n < VM_LINE_MAX - 3; s++)
		prefix[n++] = *s;
	prefix[n++] = ']';
	prefix[n++] = ' ';
	prefix[n] = '\0';
	vm->line[vm->line_len] = '\0';
	console_line(vm, prefix, vm->line, complete);
	vm->line_len = 0;
}

void vconsole_flush(struct vm *vm)
{
	if (vm->line_len)
		show(vm, true);
}

void vconsole_idle(struct vm *vm)
{
	if (vm->line_len)
		show(vm, false);
}

static void append(struct vm *vm, char c)
{
	vm->line[vm->line_len++] = c;
	if (vm->line_len == VM_LINE_MAX - 1)
		vconsole_flush(vm);
}

/* A byte a terminal would act on (control characters, DEL, and 0x80-0xff,
 * which can start an escape sequence or a broken UTF-8 one) reaches the
 * real console as the four characters \xNN: what a student can read, and
 * nothing that moves the cursor or starts a line of its own. */
void vconsole_putc(struct vm *vm, char c)
{
	static const char hex[] = "0123456789abcdef";
	u8 b = (u8)c;

	if (c == '\n') {
		vm->line[vm->line_len] = '\0';
		show(vm, true);
		return;
	}
	if (c == '\r')
		return;
	if ((b >= ' ' && b < DEL) || c == '\t') {
		append(vm, c);
		return;
	}
	append(vm, '\\'), append(vm, 'x');
	append(vm, hex[b >> 4]), append(vm, hex[b & 0xf]);
}

/* -- input ------------------------------------------------------------- */

static struct vm *owner;	/* who gets what is typed */
static bool escape;		/* the last byte was Ctrl-A */

static struct vm *first_taker(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		if (vms[i].console && !vms[i].stopped)
			return &vms[i];
	return NULL;
}

static void give_to(struct vm *vm)
{
	owner = vm;
	printf("hv: console input goes to vm '%s' (Ctrl-A and a VM's number switch)\n", vm->name);
}

static void deliver(struct vm *vm, char c)
{
	u16 next = (u16)((vm->input_tail + 1) % VM_INPUT_MAX);

	if (next == vm->input_head) {
		vm->input_dropped++;
		return;
	}
	vm->input[vm->input_tail] = (u8)c;
	__atomic_store_n(&vm->input_tail, next, __ATOMIC_RELEASE);	/* one CPU puts, */
	vm->console->ops->input(vm, vm->console);
}

void vconsole_input(char c)
{
	if (!owner || owner->stopped)
		owner = first_taker();
	if (!owner)
		return;
	if (escape) {
		escape = false;
		unsigned id = (unsigned)(c - '0');
		if (c != CTRL_A) {
			if (id < vm_count && vms[id].console)
				give_to(&vms[id]);
			return;
		}
	} else if (c == CTRL_A) {
		escape = true;
		return;
	}
	deliver(owner, c);
}

bool vconsole_getc(struct vm *vm, char *c)
{
	if (vm->input_head == __atomic_load_n(&vm->input_tail, __ATOMIC_ACQUIRE))
		return false;				/* ... the VM's vCPU takes */
	*c = (char)vm->input[vm->input_head];
	vm->input_head = (u16)((vm->input_head + 1) % VM_INPUT_MAX);
	return true;
}

bool vconsole_has_input(const struct vm *vm)
{
	return vm->input_head != __atomic_load_n(&vm->input_tail, __ATOMIC_ACQUIRE);
}

void vconsole_start(void)
{
	owner = first_taker();
	if (owner)
		give_to(owner);
}
