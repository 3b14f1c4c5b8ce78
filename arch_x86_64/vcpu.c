/* The x86 run loop, shared by VT-x and AMD-V: enter the guest, let the
 * portable core handle the exit, write the result back, step RIP, repeat;
 * switch to another vCPU's VMCS/VMCB, and the registers no back end
 * switches (world_switch.c), when the scheduler says so. */
#include "arch.h"
#include "backend.h"
#include "config.h"
#include "console.h"
#include "exit.h"
#include "guest_state.h"
#include "hypercall.h"
#include "mm.h"
#include "pic.h"
#include "vm.h"

static u64 slice_us;		/* what arch_timer_arm() asked for */
static bool slice_changed;	/* ... and not yet given to the back end */

void arch_vcpu_init(struct vcpu *vcpu, u64 entry)
{
	struct x86_boot_state state;

	memset(&vcpu->arch, 0, sizeof(vcpu->arch));
	vcpu->arch.control = mm_alloc(PAGE_SIZE, PAGE_SIZE);
	x86_boot_state_build(vcpu->vm, entry, &state);
	backend->vcpu_init(vcpu, &state);
	x86_switched_init(&vcpu->arch.switched);
}

/* One physical CPU on x86: nothing to start, nobody else to wait for. */
unsigned arch_cpu_id(void)
{
	return 0;
}

void arch_cpus_start(unsigned count)
{
	if (count > 1)
		panic("%u vCPUs in one VM: x86 runs one physical CPU", count);
}

void arch_cpu_wait(void)
{
	__asm__ volatile("pause");
}

void arch_cpu_wake_all(void)
{
}

void arch_vcpu_kick(struct vcpu *vcpu)
{
	(void)vcpu;
}

/* RSI: where the x86 Linux boot protocol passes boot_params. */
void arch_vcpu_set_boot_arg(struct vcpu *vcpu, u64 value)
{
	vcpu->arch.regs.rsi = value;
}

/* The time slice is a property of the VMCS/VMCB of the vCPU about to run,
 * so it is handed over just before the next entry. */
void arch_timer_arm(u64 microseconds)
{
	slice_us = microseconds;
	slice_changed = true;
}

void arch_timer_disarm(void)
{
	slice_us = 0;
	slice_changed = true;
}

/* Register n as an instruction numbers it; NULL for RSP, which is kept in
 * the VMCS/VMCB (guests here never move MMIO data through RSP). */
static u64 *gpr(struct vcpu *vcpu, unsigned n)
{
	return n < 16 && n != REG_NUM_RSP ? &((u64 *)&vcpu->arch.regs)[n] : NULL;
}

/* Write `size` bytes of `value` into register n as a MOV or IN would: a
 * 32-bit write clears the upper half, 8- and 16-bit writes keep it. */
static void write_gpr(struct vcpu *vcpu, unsigned n, u8 size, u64 value)
{
	u64 *r = gpr(vcpu, n);

	if (!r)
		return;
	if (size >= 4)
		*r = size == 8 ? value : (u32)value;
	else
		*r = (*r & ~(BIT(8 * size) - 1)) | (value & (BIT(8 * size) - 1));
}

u64 x86_read_gpr(struct vcpu *vcpu, unsigned n)
{
	u64 *r = gpr(vcpu, n);
	return r ? *r : 0;
}

bool arch_vcpu_privileged(struct vcpu *vcpu)
{
	return backend->cpl(vcpu) == 0;
}

void arch_exit_apply(struct vcpu *vcpu, const struct exit *e)
{
	switch (e->kind) {
	case EXIT_HYPERCALL:
		vcpu->arch.regs.rax = e->result;
		break;
	case EXIT_MMIO:
	case EXIT_PIO:
		if (!e->write)
			write_gpr(vcpu, e->reg, e->size, e->result);
		break;
	default:
		break;
	}
	if (e->insn_len)
		backend->advance_rip(vcpu, e->insn_len);
}

/* The PIT's tick (AMD-V's time slice) arrived while the guest's run ended
 * for another reason, and the host took it on the way out: once that exit
 * is handled, end the slice as a timer exit would. Without this the tick
 * would be spent and the VM keep the CPU until it next stopped. */
static struct vcpu *end_slice(struct vcpu *vcpu)
{
	struct exit tick = { .kind = EXIT_TIMER };

	return hv_handle_exit(vcpu, &tick);
}

/* The fast lane: a hypercall from the guest's kernel that is answered at
 * once (hypercall_immediate(): no scheduling decision) goes no further,
 * with the full path's checks: the exit is counted, a stopped vCPU or a
 * caller outside ring 0 goes the full way (and so does every other
 * hypercall), RIP steps past the instruction. */
static bool hypercall_lane(struct vcpu *vcpu, struct exit *e)
{
	if (!vcpu->runnable || backend->cpl(vcpu) ||
	    !hypercall_immediate(vcpu->vm, e->args, &vcpu->arch.regs.rax))
		return false;
	vcpu->exits[EXIT_HYPERCALL]++;
	backend->advance_rip(vcpu, e->insn_len);
	return true;
}

_Noreturn void arch_vcpu_run(struct vcpu *vcpu)
{
	x86_vcpu_switch(NULL, vcpu);
	backend->load(vcpu);
	for (;;) {
		struct exit e;

		if (slice_changed) {
			backend->set_timer(vcpu, slice_us);
			slice_changed = false;
		}
		backend->run(vcpu, &e);
		bool ticked = slice_us && pit_tick_taken() && e.kind != EXIT_TIMER;
		if (e.kind == EXIT_HYPERCALL && !ticked && hypercall_lane(vcpu, &e))
			continue;
		struct vcpu *next = hv_handle_exit(vcpu, &e);
		if (ticked && next == vcpu)
			next = end_slice(vcpu);
		if (next != vcpu) {
			x86_vcpu_switch(vcpu, next);
			backend->load(next);
		}
		vcpu = next;
	}
}
