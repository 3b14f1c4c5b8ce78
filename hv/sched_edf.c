/* Real-time vCPUs: every vCPU holds a reservation, a periodic server with
 * budget Θ in every period Π, and each physical CPU runs, among the vCPUs
 * pinned to it (vCPU n of every VM on CPU n), the one whose current period
 * ends first (EDF) and that still has budget. That is the periodic
 * resource model of Shin and Lee exactly (docs/rt-scheduling.md):
 *  - periods start at counter value 0, on every CPU, so the periods of a
 *    VM's vCPUs line up, as the MPR model assumes too;
 *  - the budget is lost at the end of its period (a hard reservation);
 *  - it drains while its vCPU holds the CPU, running or not (an idling
 *    server: a guest that waits still has its CPU kept for it).
 * So a VM gets Θ in every period, somewhere in it: no more (another VM's
 * guarantee depends on that) and no less. A running vCPU is preempted only
 * by a strictly earlier deadline. The EL2 timer fires at the first of: the
 * running budget's end, or any reservation's next period (which may
 * preempt). Between decisions nothing here runs: the exit path does not
 * touch the reservations.
 *
 * On several CPUs, QEMU's -icount runs one CPU at a time (the virtual
 * clock counts every CPU's instructions), and QEMU 7.2 does not share the
 * time fairly: a CPU may run until the next timer deadline of the machine
 * and again after it, while another waits (fixed in QEMU 8.1, "ensure
 * fairness with icount"). So the CPUs take turns themselves, a quantum
 * each, in a fixed order (take_turn): then each CPU has exactly every
 * other quantum, a processor of half speed, the same in every run
 * (docs/rt-scheduling.md). Idle spins, so that idle CPUs take their turns
 * too. */
#include "arch.h"
#include "config.h"
#include "sched.h"
#include "vm.h"

#define NEVER		(~(u64)0)
#define SMP_QUANTUM_US	50	/* see above: each CPU's turn */

/* A new period may have begun since we last looked: full budget again. */
static void replenish(struct reservation *r, u64 now)
{
	if (now < r->deadline)
		return;
	r->deadline += ((now - r->deadline) / r->period + 1) * r->period;
	r->remaining = r->budget;
}

/* The time `v` held its CPU since it was dispatched comes off its budget. */
static void charge(struct vcpu *v, u64 now)
{
	u64 used = now - v->rsv.dispatched;

	v->rsv.remaining = used < v->rsv.remaining ? v->rsv.remaining - used : 0;
}

static bool any_vm_left(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		if (!vms[i].stopped)
			return true;
	return false;
}

/* EDF among this CPU's vCPUs with budget; the earliest start of a new
 * period among them all goes to *next_period. */
static struct vcpu *earliest_deadline(unsigned cpu, struct vcpu *current, u64 now,
				      u64 *next_period)
{
	struct vcpu *best = NULL;

	*next_period = NEVER;
	for (unsigned i = 0; i < vm_count; i++) {
		struct vcpu *v = &vms[i].vcpus[cpu];

		if (cpu >= vms[i].vcpu_count || !v->rsv.period)
			continue;
		replenish(&v->rsv, now);
		if (v->rsv.deadline < *next_period)
			*next_period = v->rsv.deadline;
		if (!v->runnable || !v->rsv.remaining)
			continue;
		if (!best || v->rsv.deadline < best->rsv.deadline ||
		    (v->rsv.deadline == best->rsv.deadline && v == current))
			best = v;
	}
	return best;
}

/* Taking turns (see above): which CPU runs, and when each one's turn ends.
 * Once every VM has stopped, turns end: the boot CPU ends the run, the
 * others park (sched.c). */
static volatile unsigned turn;
static volatile bool turns_over;
static volatile bool joined[HV_MAX_CPUS];
static u64 turn_end[HV_MAX_CPUS];

static unsigned next_joined(unsigned cpu)
{
	unsigned n = vm_max_vcpus();

	for (unsigned i = 1; i <= n; i++)
		if (joined[(cpu + i) % n])
			return (cpu + i) % n;
	return cpu;
}

/* On a machine of several CPUs: once this CPU's turn is over, hand it to
 * the next and wait for it to come back. WFE is what QEMU turns into "run
 * the next CPU now". Returns the time, which has moved on meanwhile. */
static u64 take_turn(unsigned cpu, u64 now)
{
	if (vm_max_vcpus() < 2 || __atomic_load_n(&turns_over, __ATOMIC_ACQUIRE))
		return now;
	if (!joined[cpu]) {
		joined[cpu] = true;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	} else if (turn == cpu && now < turn_end[cpu]) {
		return now;
	}
	if (turn == cpu) {
		__atomic_store_n(&turn, next_joined(cpu), __ATOMIC_RELEASE);
		arch_cpu_wake_all();
	}
	while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != cpu &&
	       !__atomic_load_n(&turns_over, __ATOMIC_ACQUIRE))
		arch_cpu_wait();
	now = arch_clock_now();
	turn_end[cpu] = now + SMP_QUANTUM_US * arch_clock_hz() / USEC_PER_SEC;
	return now;
}

/* The next decision on this CPU: at `event`, or when its turn ends. */
static void arm_timer(unsigned cpu, u64 event)
{
	if (vm_max_vcpus() > 1 && turn_end[cpu] < event)
		event = turn_end[cpu];
	arch_timer_arm_at(event);
}

struct vcpu *edf_next(struct vcpu *current)
{
	unsigned cpu = arch_cpu_id();
	u64 now = arch_clock_now(), next_period;

	now = take_turn(cpu, now);
	if (current && current->rsv.period)
		charge(current, now);
	for (;;) {
		struct vcpu *v = earliest_deadline(cpu, current, now, &next_period);

		if (v) {
			u64 budget_end = now + v->rsv.remaining;

			arm_timer(cpu, budget_end < next_period ? budget_end : next_period);
			v->rsv.dispatched = now;
			return v;
		}
		if (!any_vm_left()) {
			__atomic_store_n(&turns_over, true, __ATOMIC_RELEASE);
			arch_cpu_wake_all();
			if (cpu == 0)
				sched_all_stopped();
			sched_park(cpu);
		}
		/* Nobody may run: spin until a period starts, or a vCPU is
		 * switched on (PSCI CPU_ON) or stopped, taking turns meanwhile. */
		do
			now = take_turn(cpu, arch_clock_now());
		while (now < next_period && !earliest_deadline(cpu, current, now, &next_period) &&
		       any_vm_left());
	}
}
