/* The interface between the portable core (hv/) and an architecture
 * (arch_<arch>/). Everything the core needs from the hardware is named here;
 * each function is implemented once per architecture. */
#pragma once
#include "types.h"

struct vm;
struct vcpu;
struct exit;

/* Physical console and power. */
void arch_console_putc(char c);
_Noreturn void arch_power_off(void);

/* Second-stage translation (stage-2 / EPT / NPT): give a VM a guest-physical
 * range backed by host memory. */
void arch_vm_init(struct vm *vm);
void arch_map(struct vm *vm, u64 gpa, u64 hpa, u64 size);

/* vCPU state: reset to start at `entry`, and enter the guest for the first
 * time (never returns: later exits come back through the exit path). */
void arch_vcpu_init(struct vcpu *vcpu, u64 entry);
_Noreturn void arch_vcpu_run(struct vcpu *vcpu);
/* The boot protocol's argument register at entry (x0 on arm64, RSI on x86). */
void arch_vcpu_set_boot_arg(struct vcpu *vcpu, u64 value);

/* Architecture-specific exits the core hands back. They fill in e->result.
 * arch_sysreg_access: a trapped system register or MSR; false if unknown.
 * arch_firmware_call: a call to firmware (PSCI on arm64); true when the
 * guest asked to be powered off. */
bool arch_sysreg_access(struct vcpu *vcpu, struct exit *e);
bool arch_firmware_call(struct vcpu *vcpu, struct exit *e);

/* The vCPU was in its guest's kernel when it exited (x86: CPL 0; arm64:
 * EL1), which only a hypercall's caller must be (hv/hypercall.c). */
bool arch_vcpu_privileged(struct vcpu *vcpu);

/* After the core handled an exit: write back the result, step the PC. */
void arch_exit_apply(struct vcpu *vcpu, const struct exit *e);

/* Print the raw syndrome of an exit, decoded, and the guest registers. */
void arch_report_exit(struct vcpu *vcpu, const struct exit *e);

/* Physical CPUs: which one this is (0: the boot CPU), start the others
 * (each ends in sched_first()), and wait for another CPU's event. */
unsigned arch_cpu_id(void);
void arch_cpus_start(unsigned count);
void arch_cpu_wait(void);
void arch_cpu_wake_all(void);
/* A vCPU that executed WFI/HLT (vcpu->halted) runs again once this says
 * it has an interrupt to take: at once, for a VM with no interrupt
 * controller of its own, whose WFI is only a yield. A CPU whose vCPUs
 * all wait (or are off) idles until an interrupt: a kick from another CPU
 * (arch_vcpu_kick) or one of theirs. */
bool arch_vcpu_has_work(struct vcpu *vcpu);
void arch_cpu_idle(void);
/* Make the CPU that runs `vcpu` (pinned: CPU vcpu->id) leave the guest soon,
 * even from a WFI that does not trap, so that it sees the vCPU stopped. */
void arch_vcpu_kick(struct vcpu *vcpu);

/* vm_reset() wants `vm` started again: have vm_reload() called on its vCPU
 * 0's CPU once no other CPU runs any of its vCPUs, and vCPU 0 reloaded
 * into the CPU before it runs. */
void arch_vm_reset(struct vm *vm);

/* The scheduler's tick: one time slice from now, or none. */
void arch_timer_arm(u64 microseconds);
void arch_timer_disarm(void);

/* The time base every CPU and guest shares (arm64: the generic timer's
 * counter, CNTPCT_EL0; x86: the TSC), its rate, and the scheduler's timer
 * set to fire when the counter reaches `when` (sched_edf.c). */
u64 arch_clock_now(void);
u64 arch_clock_hz(void);
void arch_timer_arm_at(u64 when);

/* The board: which emulated devices each VM gets (platform.c); or, for the
 * single VM that owns the board, which real devices are mapped into it. */
void platform_add_devices(struct vm *vm);
void platform_pass_through(struct vm *vm);
