/* A hosted hypervisor: a Linux module that moves the running kernel into a
 * virtual machine on every online CPU and takes it out again on unload.
 * This file is what VT-x (vmx.c) and AMD-V (svm.c) share: choosing a back
 * end, bringing each CPU in and out, the identity nested page tables built
 * from the machine's memory map, and the exits both answer alike. */
#include <linux/cpu.h>
#include <linux/ioport.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sysfs.h>
#include <asm/processor.h>
#include "hosted.h"
#include "hosted_entry.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hosted VT-x/AMD-V: the running kernel as a guest of itself");

#define HOST_STACK_ORDER	2		/* 16 KiB per CPU for the exit handler */
#define CPUID_1_ECX_VMX		(1u << 5)	/* SDM Vol. 2A, CPUID leaf 1 */
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)	/* "reserved for use by hypervisors" */
#define CPUID_80000001_ECX_SVM	(1u << 2)	/* APM Vol. 3, E.4.2 */
#define UNEXPECTED_REPORTS	8		/* per CPU: then only counted */

static_assert(offsetof(struct hosted_cpu, host_rsp) == HOSTED_CPU_HOST_RSP);
static_assert(offsetof(struct hosted_cpu, host_cr3) == HOSTED_CPU_HOST_CR3);
static_assert(offsetof(struct hosted_cpu, guest_rsp) == HOSTED_CPU_GUEST_RSP);
static_assert(offsetof(struct hosted_cpu, guest_rip) == HOSTED_CPU_GUEST_RIP);
static_assert(offsetof(struct hosted_cpu, guest_rflags) == HOSTED_CPU_GUEST_RFLAGS);
static_assert(offsetof(struct hosted_cpu, control_pa) == HOSTED_CPU_CONTROL_PA);
static_assert(offsetof(struct hosted_cpu, host_save_pa) == HOSTED_CPU_HOST_SAVE_PA);
static_assert(offsetof(struct hosted_regs, r15) == 0x78);	/* arch_vcpu.h's REG_R15 */
static_assert(offsetof(struct hosted_regs, iret_rip) == HOSTED_REGS_IRET);
static_assert(sizeof(struct hosted_regs) == HOSTED_REGS_SIZE);
static_assert(HOSTED_STACK_FRAME % 16 == 0);

static const struct hosted_backend *backend;
bool broken_entry;
module_param(broken_entry, bool, 0444);
MODULE_PARM_DESC(broken_entry, "the lab's test of a failed entry: one illegal bit in the guest state");
static struct hosted_cpu *cpus[NR_CPUS];
static bool leaving;		/* set before unload: only then is LEAVE obeyed */
u64 hosted_nested_root;

static const char *const class_names[HOSTED_EXIT_CLASSES] = {
	[HOSTED_EXIT_CPUID] = "cpuid", [HOSTED_EXIT_VMCALL] = "vmcall",
	[HOSTED_EXIT_MSR] = "msr", [HOSTED_EXIT_CR] = "cr", [HOSTED_EXIT_XSETBV] = "xsetbv",
	[HOSTED_EXIT_NESTED_FAULT] = "nested_fault", [HOSTED_EXIT_OTHER] = "other",
};

static u64 total_exits(const struct hosted_cpu *c)
{
	u64 sum = 0;

	for (int i = 0; i < HOSTED_EXIT_CLASSES; i++)
		sum += c->exits[i];
	return sum;
}

/* ---- exits both back ends answer alike ---- */

void hosted_cpuid(struct hosted_cpu *c, u64 *rax, u64 *rbx, u64 *rcx, u64 *rdx)
{
	u32 a = *rax, b, cx = *rcx, d;

	c->exits[HOSTED_EXIT_CPUID]++;
	if (a == HOSTED_CPUID_LEAF) {
		const u32 *sig = (const u32 *)HOSTED_SIGNATURE;

		*rax = HOSTED_CPUID_INFO;
		*rbx = sig[0], *rcx = sig[1], *rdx = sig[2];
		return;
	}
	if (a == HOSTED_CPUID_INFO) {
		*rax = backend == &hosted_vmx_backend ? HOSTED_BACKEND_VMX : HOSTED_BACKEND_SVM;
		*rbx = (u32)total_exits(c), *rcx = 0, *rdx = 0;
		return;
	}
	native_cpuid(&a, &b, &cx, &d);		/* the real CPU's answer, in root mode */
	if (*rax == 1)
		cx |= CPUID_1_ECX_HYPERVISOR;
	*rax = a, *rbx = b, *rcx = cx, *rdx = d;
}

bool hosted_vmcall(struct hosted_cpu *c, int cpl, u64 *rax, u64 *rbx, u64 *rcx)
{
	c->exits[HOSTED_EXIT_VMCALL]++;
	switch (*rax) {
	case HOSTED_HC_PING:
		*rax = HOSTED_HC_MAGIC;
		return false;
	case HOSTED_HC_STATS:
		*rax = total_exits(c);
		*rbx = c->exits[HOSTED_EXIT_CPUID];
		*rcx = c->exits[HOSTED_EXIT_VMCALL];
		return false;
	case HOSTED_HC_LEAVE:
		if (cpl == 0 && READ_ONCE(leaving))
			return true;
		fallthrough;
	default:
		*rax = HOSTED_HC_DENIED;
		return false;
	}
}

/* Exits worth a log line are reported from an irq_work: the exit handler
 * runs with interrupts held off, possibly while the guest held a console
 * lock on this CPU, so it may not printk itself. */
static void report_exit(struct irq_work *work)
{
	const struct hosted_cpu *c = container_of(work, struct hosted_cpu, report_work);
	const struct hosted_report *r = &c->report;

	if (r->nested_fault)
		pr_err("hosted: CPU %d: %s at guest-physical %#llx (qualification %#llx, rip %#llx): the identity map misses it, a bug; this CPU left guest mode\n",
		       c->cpu, backend == &hosted_vmx_backend ? "EPT violation" : "nested page fault",
		       r->info2, r->info1, r->rip);
	else
		pr_warn("hosted: CPU %d: unexpected exit %#llx %s (info %#llx %#llx) at rip %#llx\n",
			c->cpu, r->code, backend->exit_name(r->code), r->info1, r->info2, r->rip);
}

static void queue_report(struct hosted_cpu *c, u64 code, u64 info1, u64 info2, u64 rip,
			 bool nested_fault)
{
	c->report = (struct hosted_report){ code, info1, info2, rip, nested_fault };
	irq_work_queue(&c->report_work);
}

void hosted_unexpected_exit(struct hosted_cpu *c, u64 code, u64 info1, u64 info2, u64 rip)
{
	c->exits[HOSTED_EXIT_OTHER]++;
	if (c->exits[HOSTED_EXIT_OTHER] <= UNEXPECTED_REPORTS)
		queue_report(c, code, info1, info2, rip, false);
}

void hosted_nested_fault(struct hosted_cpu *c, u64 gpa, u64 qual, u64 rip)
{
	c->exits[HOSTED_EXIT_NESTED_FAULT]++;
	queue_report(c, 0, qual, gpa, rip, true);
}

/* ---- the identity map: 2 MiB pages over the machine's memory map ---- */

#define TABLE_ENTRIES	512
#define LEAF_LARGE	(1ULL << 7)		/* PS in a PDE / EPT "maps a 2 MiB page" */
#define ENTRY_ADDR	0x000ffffffffff000ULL
#define LEVEL_PML4	3			/* 512 GiB an entry */
#define LEVEL_PDPT	2			/* 1 GiB */
#define LEVEL_PD	1			/* 2 MiB: the leaves here */

static unsigned int table_index(u64 addr, int level)
{
	return (addr >> (PAGE_SHIFT + 9 * level)) & (TABLE_ENTRIES - 1);
}

static u64 *table_next(u64 *table, unsigned int index)
{
	if (!table[index]) {
		u64 *next = (u64 *)get_zeroed_page(GFP_KERNEL);

		if (!next)
			return NULL;
		table[index] = __pa(next) | backend->nested_table_bits;
	}
	return __va(table[index] & ENTRY_ADDR);
}

static u64 *nested_root;
static unsigned int map_ranges;
static u64 map_ram_bytes;

static int map_identity(u64 start, u64 end)
{
	for (u64 a = ALIGN_DOWN(start, HOSTED_LARGE_PAGE); a < end; a += HOSTED_LARGE_PAGE) {
		u64 *pdpt = table_next(nested_root, table_index(a, LEVEL_PML4));
		u64 *pd = pdpt ? table_next(pdpt, table_index(a, LEVEL_PDPT)) : NULL;

		if (!pd)
			return -ENOMEM;
		pd[table_index(a, LEVEL_PD)] = a | backend->nested_leaf_bits | LEAF_LARGE;
	}
	return 0;
}

static int map_ram_range(struct resource *res, void *arg)
{
	map_ranges++;
	map_ram_bytes += resource_size(res);
	return map_identity(res->start, res->end + 1);
}

static void free_nested_map(void)
{
	if (!nested_root)
		return;
	for (int i = 0; i < TABLE_ENTRIES; i++) {
		u64 *pdpt = nested_root[i] ? __va(nested_root[i] & ENTRY_ADDR) : NULL;

		for (int j = 0; pdpt && j < TABLE_ENTRIES; j++)
			if (pdpt[j])
				free_page((unsigned long)__va(pdpt[j] & ENTRY_ADDR));
		if (pdpt)
			free_page((unsigned long)pdpt);
	}
	free_page((unsigned long)nested_root);
	nested_root = NULL;
}

/* Every System RAM range of the machine's memory map (/proc/iomem), and
 * everything below 4 GiB, where the chipset's devices sit. */
static int build_nested_map(void)
{
	int err;

	nested_root = (u64 *)get_zeroed_page(GFP_KERNEL);
	if (!nested_root)
		return -ENOMEM;
	map_ranges = 0, map_ram_bytes = 0;
	err = map_identity(0, HOSTED_LOW_DEVICES_END);
	if (!err)
		err = walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
					  0, U64_MAX, NULL, map_ram_range);
	if (err) {
		free_nested_map();
		return err;
	}
	hosted_nested_root = __pa(nested_root);
	return 0;
}

/* ---- each CPU in and out ---- */

static void enter_this_cpu(void *unused)
{
	struct hosted_cpu *c = cpus[smp_processor_id()];

	backend->enter(c);
}

static void leave_this_cpu(void *unused)
{
	struct hosted_cpu *c = cpus[smp_processor_id()];

	if (c->in_guest)
		backend->leave(c);
}

/* The exit handler must not run on a process's page tables: the process
 * that loaded us may exit, and its tables go with it. Its own top level
 * holds the kernel's half of the current one, which every process shares
 * and which never changes (x86-64 preallocates those entries at boot). */
#define KERNEL_HALF	(PTRS_PER_PGD / 2)
static pgd_t *host_pml4;

static int alloc_host_page_tables(void)
{
	const pgd_t *now = __va(__read_cr3() & CR3_ADDR_MASK);

	host_pml4 = (pgd_t *)get_zeroed_page(GFP_KERNEL);
	if (!host_pml4)
		return -ENOMEM;
	memcpy(host_pml4 + KERNEL_HALF, now + KERNEL_HALF, KERNEL_HALF * sizeof(pgd_t));
	return 0;
}

static void free_cpus(void)
{
	for (int i = 0; i < NR_CPUS; i++) {
		if (!cpus[i])
			continue;
		irq_work_sync(&cpus[i]->report_work);
		backend->free(cpus[i]);
		free_pages((unsigned long)cpus[i]->host_stack, HOST_STACK_ORDER);
		kfree(cpus[i]);
		cpus[i] = NULL;
	}
	free_page((unsigned long)host_pml4);
	host_pml4 = NULL;
}

static int alloc_cpus(void)
{
	int cpu;

	if (alloc_host_page_tables())
		return -ENOMEM;

	for_each_online_cpu(cpu) {
		struct hosted_cpu *c = kzalloc(sizeof(*c), GFP_KERNEL);

		if (!c)
			return -ENOMEM;
		cpus[cpu] = c;
		c->cpu = cpu;
		init_irq_work(&c->report_work, report_exit);
		c->host_stack = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, HOST_STACK_ORDER);
		if (!c->host_stack)
			return -ENOMEM;
		c->host_rsp = (u64)c->host_stack + (PAGE_SIZE << HOST_STACK_ORDER);
		c->host_cr3 = __pa(host_pml4);
		if (backend->alloc(c))
			return -ENOMEM;
	}
	return 0;
}

/* ---- user space: /sys/kernel/hosted/exits ---- */

static ssize_t exits_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	int n = sysfs_emit(buf, "cpu");

	for (int i = 0; i < HOSTED_EXIT_CLASSES; i++)
		n += sysfs_emit_at(buf, n, " %s", class_names[i]);
	n += sysfs_emit_at(buf, n, " total\n");
	for (int cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct hosted_cpu *c = cpus[cpu];

		if (!c)
			continue;
		n += sysfs_emit_at(buf, n, "%d", cpu);
		for (int i = 0; i < HOSTED_EXIT_CLASSES; i++)
			n += sysfs_emit_at(buf, n, " %llu", READ_ONCE(c->exits[i]));
		n += sysfs_emit_at(buf, n, " %llu\n", total_exits(c));
	}
	return n;
}

static ssize_t backend_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", backend->name);
}

static struct kobj_attribute exits_attr = __ATTR_RO(exits);
static struct kobj_attribute backend_attr = __ATTR_RO(backend);
static struct attribute *hosted_attrs[] = { &exits_attr.attr, &backend_attr.attr, NULL };
static const struct attribute_group hosted_group = { .attrs = hosted_attrs };
static struct kobject *hosted_kobj;

/* ---- load and unload ---- */

/* VT-x or AMD-V, from CPUID itself: Linux hides VMX from its own feature
 * flags when firmware locked it off, and that is a reason to name. */
static const struct hosted_backend *choose_backend(void)
{
	if (cpuid_ecx(1) & CPUID_1_ECX_VMX)
		return &hosted_vmx_backend;
	if (cpuid_eax(0x80000000) >= 0x80000001 && (cpuid_ecx(0x80000001) & CPUID_80000001_ECX_SVM))
		return &hosted_svm_backend;
	return NULL;
}

static int cpus_in_guest(void)
{
	int n = 0;

	for (int cpu = 0; cpu < NR_CPUS; cpu++)
		n += cpus[cpu] && cpus[cpu]->in_guest;
	return n;
}

static const struct hosted_cpu *first_failure(void)
{
	for (int cpu = 0; cpu < NR_CPUS; cpu++)
		if (cpus[cpu] && cpus[cpu]->error)
			return cpus[cpu];
	return NULL;
}

static void undo(void)
{
	WRITE_ONCE(leaving, true);
	on_each_cpu(leave_this_cpu, NULL, 1);
	free_cpus();
	backend->release();
	free_nested_map();
}

static int __init hosted_init(void)
{
	const struct hosted_cpu *failed;
	const char *why = NULL;
	int err;

	backend = choose_backend();
	if (!backend) {
		pr_err("hosted: refusing to load: this CPU has neither VT-x (CPUID.1:ECX.VMX) nor AMD-V (CPUID.80000001h:ECX.SVM)\n");
		return -ENODEV;
	}
	err = backend->probe(&why);
	if (err) {
		pr_err("hosted: refusing to load: %s: %s\n", backend->name, why);
		return err;
	}
	cpus_read_lock();		/* the set of CPUs stays put while we bring them in */
	err = build_nested_map();
	if (!err)
		err = backend->setup();
	if (!err)
		err = alloc_cpus();
	if (err) {
		cpus_read_unlock();
		undo();
		pr_err("hosted: refusing to load: out of memory for the nested page tables and per-CPU areas\n");
		return err;
	}
	WRITE_ONCE(leaving, false);
	on_each_cpu(enter_this_cpu, NULL, 1);
	failed = first_failure();
	cpus_read_unlock();
	if (failed) {
		err = failed->error;
		pr_err("hosted: refusing to load: %s: CPU %d: %s\n", backend->name, failed->cpu,
		       failed->why);
		undo();
		return err;
	}
	hosted_kobj = kobject_create_and_add("hosted", kernel_kobj);
	if (!hosted_kobj || sysfs_create_group(hosted_kobj, &hosted_group))
		pr_warn("hosted: no /sys/kernel/hosted: exit counts are not readable\n");
	pr_info("hosted: %s: the kernel runs as a guest of itself on %d CPUs (identity %s: %u RAM ranges, %llu MiB, and all below 4 GiB)\n",
		backend->name, cpus_in_guest(), backend == &hosted_vmx_backend ? "EPT" : "NPT",
		map_ranges, map_ram_bytes >> 20);
	return 0;
}

static void __exit hosted_exit(void)
{
	u64 exits = 0;
	int was = cpus_in_guest();

	if (hosted_kobj)
		kobject_put(hosted_kobj);
	for (int cpu = 0; cpu < NR_CPUS; cpu++)
		exits += cpus[cpu] ? total_exits(cpus[cpu]) : 0;
	WRITE_ONCE(leaving, true);
	on_each_cpu(leave_this_cpu, NULL, 1);
	pr_info("hosted: %s: %d of %d CPUs left guest mode after %llu exits; the kernel runs on the bare CPU again\n",
		backend->name, was - cpus_in_guest(), was, exits);
	free_cpus();
	backend->release();
	free_nested_map();
}

module_init(hosted_init);
module_exit(hosted_exit);
