/* A virtual machine and its virtual CPU: identity, guest memory, devices,
 * console line buffer, exit counters, and whether it still runs. */
#pragma once
#include "types.h"
#include "arch_vcpu.h"
#include "device.h"
#include "exit.h"

#define VM_MAX_DEVICES	6
#define VM_MAX_VCPUS	4	/* one VM may have several, vCPU n pinned to CPU n */
#define VM_LINE_MAX	160
#define VM_INPUT_MAX	256	/* typed bytes a VM has not read yet */

struct vm;

/* A CPU reservation (hv/sched_edf.c): `budget` counter ticks in every
 * `period`, a periodic server as the periodic resource model Γ = (Π, Θ)
 * assumes. Periods start at counter value 0 on every CPU. */
struct reservation {
	u64 period, budget;	/* Π and Θ, in ticks of the counter; period 0: none */
	u64 deadline;		/* end of the current period: the EDF key */
	u64 remaining;		/* budget left in the current period */
	u64 dispatched;		/* when it last got its CPU */
};

struct vcpu {
	struct arch_vcpu arch;	/* first: the exit path finds it at offset 0 */
	struct vm *vm;
	unsigned id;		/* 0 .. vcpu_count-1, also its physical CPU if SMP */
	volatile bool runnable;	/* set by another CPU on PSCI CPU_ON */
	bool halted;		/* in WFI: runs again once arch_vcpu_has_work() */
	u64 exits[EXIT_KIND_COUNT];	/* per vCPU: each CPU counts its own */
	struct reservation rsv;		/* under the EDF policy (sched_edf.c) */
};

/* What an access to an address with no RAM and no device does, per VM. */
enum unbacked_policy {
	UNBACKED_STOP,	/* the VM stops, with a decoded report: the lessons' way */
	UNBACKED_KVM,	/* what KVM (and QEMU behind it) does: a load or store the
			 * syndrome describes reads 0 and writes nothing; one it
			 * does not (ISV=0), or an instruction fetch, is a
			 * synchronous external abort the guest's own EL1 takes */
};

struct mem_region {
	u64 gpa, size;
	u8 *host;
};

struct vm {
	unsigned id;
	const char *name;
	struct mem_region ram;
	struct device devices[VM_MAX_DEVICES];
	unsigned device_count;
	struct vcpu vcpus[VM_MAX_VCPUS];
	unsigned vcpu_count;
	struct arch_vm arch;
	char line[VM_LINE_MAX];		/* console output not yet printed */
	unsigned line_len;
	struct device *console;		/* the UART that takes typed input, if any */
	u8 input[VM_INPUT_MAX];		/* typed, not yet read (vconsole.c) */
	u16 input_head, input_tail;
	u64 input_dropped;		/* typed while the buffer was full */
	bool irqchip;			/* has an emulated interrupt controller */
	bool from_reset;		/* see struct vm_config */
	enum unbacked_policy unbacked;	/* see struct vm_config */
	bool passthrough;		/* owns the real UART and GIC (a single Linux guest) */
	bool power_off_requested;	/* set by a device: stop after this access */
	volatile bool stopped;
	const u64 *params;		/* the scenario's values for the guest (HC_PARAM) */
	unsigned param_count;
};

/* A Linux guest's other blobs and where the build placed them in its RAM
 * (the kernel Image itself is `image`; its place comes from its header). */
struct linux_blobs {
	const u8 *initrd, *initrd_end;
	const u8 *dtb, *dtb_end;
	u64 initrd_gpa, dtb_gpa;
};

/* What the generated per-scenario configuration (vmconfig.c) provides. */
struct vm_config {
	const char *name;
	const u8 *image;
	const u8 *image_end;
	u64 ram_size;		/* bytes of guest RAM */
	unsigned vcpu_count;	/* 0 or 1: one vCPU; more only for a VM that runs alone */
	struct linux_blobs boot;	/* .dtb == NULL: not a Linux guest */
	bool from_reset;	/* start as the CPU leaves reset (x86: real mode) */
	bool irqchip;		/* an emulated interrupt controller (arm64: GICv3), its
				 * devices' interrupt lines, and WFI that waits for them */
	enum unbacked_policy unbacked;	/* an access where there is no RAM and no device */
	u64 period_us;		/* EDF policy: each vCPU's reservation, budget_us[n] */
	u64 budget_us[VM_MAX_VCPUS];	/* in every period_us */
	const u64 *params;	/* values the guest reads with HC_PARAM */
	unsigned param_count;
};
extern const struct vm_config vm_configs[];
extern const unsigned vm_config_count;

extern struct vm vms[];
extern unsigned vm_count;

void vm_create_all(void);
void vm_add_device(struct vm *vm, const char *name, enum bus_space space,
		   u64 base, u64 size, const struct device_ops *ops);
/* The device whose range holds all `size` bytes from addr (size >= 1). */
struct device *vm_find_device(struct vm *vm, enum bus_space space, u64 addr, u64 size);

/* Load a Linux kernel Image, its initramfs and DTB into the VM's RAM and
 * point the vCPU at it (linux_boot.c). */
void linux_boot_load(struct vm *vm, const struct vm_config *cfg);

/* Guest memory seen from the host: NULL unless [gpa, gpa+len) is RAM. */
void *vm_guest_ptr(struct vm *vm, u64 gpa, u64 len);

/* The physical CPUs a run needs: the most vCPUs of any VM. */
unsigned vm_max_vcpus(void);

/* Stop a VM for good; the others go on. */
void vm_stop(struct vm *vm, const char *why);
/* Start a VM again (PSCI SYSTEM_RESET): vm_reset() asks, and the
 * architecture calls vm_reload() where it is safe to (arch_vm_reset). */
void vm_reset(struct vm *vm);
void vm_reload(struct vm *vm);

/* The console back end: guest bytes, line-buffered, prefixed "[name] ";
 * an idle VM's unfinished line is shown, left open. Typed bytes go to the
 * console owner (vconsole.c); its UART takes them with vconsole_getc(). */
void vconsole_putc(struct vm *vm, char c);
void vconsole_flush(struct vm *vm);
void vconsole_idle(struct vm *vm);
void vconsole_input(char c);
bool vconsole_getc(struct vm *vm, char *c);
bool vconsole_has_input(const struct vm *vm);
void vconsole_start(void);
