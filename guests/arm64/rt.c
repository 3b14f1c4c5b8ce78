/* rt: a small real-time kernel, the guest of the RT experiments
 * (docs/rt-uniprocessor.md, docs/rt-multiprocessor.md). Periodic tasks
 * (C, T, D, offset, from the scenario through HC_PARAM) each run as a
 * thread of their own; their jobs are released by the virtual timer, burn
 * C as a calibrated instruction loop, and are scheduled by EDF or fixed
 * priorities, or, on two vCPUs, by global EDF: one ready queue under one
 * lock, and an SGI to the other vCPU when it runs a job that a newly
 * released one must preempt. Every release, dispatch, preemption, IPI and
 * finish goes into a log, in counter ticks, printed once the run is over:
 * the harness (harness/rt_experiments.py) rebuilds the schedule from it.
 *
 * The kernel runs with interrupts masked, on its own stack per vCPU; a
 * thread switch is returning another thread's saved frame to vectors.S. A
 * job ends with SVC. Idle is a thread that spins, not WFI: under QEMU's
 * -icount the CPUs of the machine take turns, each at 1/P_SHARING of the
 * pace of a lone one, as long as none sleeps (hv/sched_edf.c). C is burned
 * at that pace: calibrated on this CPU, divided by P_SHARING. */
#include "guest.h"
#include "irq/guest_irq.h"

#define RT_MAGIC	0x52540001	/* params[0]: the layout below */
#define P_MAGIC		0
#define P_MODE		1		/* MODE_TASKS, or MODE_HOG: spin until the end */
#define P_SCHED		2		/* SCHED_EDF or SCHED_FP (task order = priority) */
#define P_VCPUS		3
#define P_HZ		4		/* the counter rate the scenario assumed */
#define P_START		5		/* first releases, in counter ticks */
#define P_END		6		/* no release from here on */
#define P_ALLOWANCE	7		/* ticks of each C left to the kernel's own work */
#define P_SHARING	8		/* physical CPUs taking turns under -icount */
#define P_NTASKS	9
#define P_TASKS		10		/* then per task: C, T, D, offset (ticks) */
#define TASK_WORDS	4
#define MODE_TASKS	0
#define MODE_HOG	1
#define SCHED_EDF	0
#define SCHED_FP	1

#define MAX_TASKS	8
#define MAX_VCPUS	2
#define STACK_SIZE	4096
#define LOG_MAX		24000
#define SGI_RESCHED	1
#define NONE		(~(u64)0)
#define CALIBRATION_ITERS	8000	/* 1000 ticks: shorter than a CPU's turn */
#define CALIBRATION_TRIES	5

enum ev { EV_RELEASE, EV_RUN, EV_PREEMPT, EV_FINISH, EV_IPI, EV_IDLE };
static const char *const ev_names[] = { "release", "run", "preempt", "finish", "ipi", "idle" };

struct event {
	u64 t;
	u8 kind, cpu;
	u16 task;
	u32 job;
};

struct task {
	u64 C, T, D, offset;	/* ticks */
	u64 next_release;	/* of the next job, NONE after the end */
	u32 released, done;	/* jobs so far */
	struct frame *frame;	/* where it resumes; NULL: not started */
	bool running;		/* on some vCPU now */
	u8 stack[STACK_SIZE] __attribute__((aligned(16)));
};

static struct task tasks[MAX_TASKS];
static unsigned ntasks, nvcpus, policy;
static u64 burn_per_tick_x1000, allowance, start, end, sharing;
static struct event log_[LOG_MAX];
static unsigned log_len;
static bool log_full;
static int current[MAX_VCPUS] = { -1, -1 };	/* task on each vCPU, -1 idle */
static struct frame *idle_frame[MAX_VCPUS];
static u8 idle_stack[MAX_VCPUS][STACK_SIZE] __attribute__((aligned(16)));
static u8 kernel_stack[MAX_VCPUS][STACK_SIZE] __attribute__((aligned(16)));
static volatile u32 lock_word;
static volatile bool vcpu1_up;

static u64 param(unsigned i)
{
	s64 v = hypercall(HC_PARAM, i, 0, 0);

	if (v < 0) {
		printf("FAIL: scenario parameter %u missing (HC_PARAM returned %ld)\n", i, v);
		power_off();
	}
	return (u64)v;
}

/* -- the lock: the kernel's state is shared by both vCPUs ---------------------- */

static void lock(void)
{
	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		;
}

static void unlock(void)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

static void record_at(u64 t, enum ev kind, unsigned cpu, int task, u32 job)
{
	if (log_len == LOG_MAX) {
		log_full = true;
		return;
	}
	log_[log_len++] = (struct event){ t, (u8)kind, (u8)cpu, (u16)task, job };
}

static void record(enum ev kind, unsigned cpu, int task, u32 job)
{
	record_at(counter_read(), kind, cpu, task, job);
}

/* -- priorities --------------------------------------------------------------- */

static u64 deadline_of(int i)
{
	return tasks[i].offset + start + (u64)tasks[i].done * tasks[i].T + tasks[i].D;
}

/* Is task a's current job more urgent than task b's? (-1: nobody) */
static bool before(int a, int b)
{
	if (a < 0)
		return false;
	if (b < 0)
		return true;
	if (policy == SCHED_EDF && deadline_of(a) != deadline_of(b))
		return deadline_of(a) < deadline_of(b);
	return a < b;
}

static bool ready(int i)
{
	return tasks[i].done < tasks[i].released && !tasks[i].running;
}

static int most_urgent_ready(void)
{
	int best = -1;

	for (unsigned i = 0; i < ntasks; i++)
		if (ready((int)i) && before((int)i, best))
			best = (int)i;
	return best;
}

/* -- releases ------------------------------------------------------------------- */

static u64 next_release(void)
{
	u64 next = NONE;

	for (unsigned i = 0; i < ntasks; i++)
		if (tasks[i].next_release < next)
			next = tasks[i].next_release;
	return next;
}

static void release_due(u64 now)
{
	for (unsigned i = 0; i < ntasks; i++) {
		struct task *t = &tasks[i];

		while (t->next_release <= now) {
			record_at(t->next_release, EV_RELEASE, 0, (int)i, t->released);	/* nominal */
			t->released++;
			t->next_release += t->T;
			if (t->next_release >= end)
				t->next_release = NONE;
		}
	}
	u64 next = next_release();
	if (next == NONE)
		vtimer_off();
	else
		vtimer_at(next);
}

/* -- threads -------------------------------------------------------------------- */

void burn(u64 iterations);		/* rt.S: 2 instructions each */
void rt_secondary_entry(void);		/* rt.S: PSCI CPU_ON lands here */
void rt_secondary_main(void);
static void job_body(u64 task);

/* A frame that starts `entry(arg)` on its own stack with interrupts on. */
static struct frame *new_frame(u8 *stack, void (*entry)(u64), u64 arg)
{
	struct frame *f = (struct frame *)(stack + STACK_SIZE) - 1;

	memset(f, 0, sizeof(*f));
	f->elr = (u64)entry;
	f->spsr = 0x5;		/* EL1h, DAIF clear */
	f->x[0] = arg;
	return f;
}

/* Put the most urgent of (this vCPU's job, the ready ones) on this vCPU.
 * Returns the frame to resume; `saved` is the interrupted one's. */
static struct frame *dispatch(unsigned cpu, struct frame *saved)
{
	int mine = current[cpu], best = most_urgent_ready();

	if (mine >= 0 && saved)
		tasks[mine].frame = saved;
	else if (mine < 0 && saved)
		idle_frame[cpu] = saved;
	if (!before(best, mine))
		return saved;
	if (mine >= 0) {
		tasks[mine].running = false;
		record(EV_PREEMPT, cpu, mine, tasks[mine].done);
	}
	tasks[best].running = true;
	current[cpu] = best;
	record(EV_RUN, cpu, best, tasks[best].done);
	if (!tasks[best].frame)
		tasks[best].frame = new_frame(tasks[best].stack, job_body, (u64)best);
	return tasks[best].frame;
}

/* After a release: another vCPU running something less urgent than the
 * most urgent ready job (or nothing) is told to look again. */
static void kick_others(unsigned cpu)
{
	int best = most_urgent_ready();

	for (unsigned other = 0; other < nvcpus; other++) {
		if (other == cpu || !before(best, current[other]))
			continue;
		if (other == 1 && !vcpu1_up)
			continue;
		record(EV_IPI, cpu, -1, other);
		sgi_send(SGI_RESCHED, other);
		return;		/* one at a time: the target picks, then looks again */
	}
}

/* The job is done: the thread goes back to the start of its body for the
 * next one, or idles. */
static struct frame *finish(unsigned cpu)
{
	int mine = current[cpu];

	record(EV_FINISH, cpu, mine, tasks[mine].done);
	tasks[mine].done++;
	tasks[mine].running = false;
	tasks[mine].frame = NULL;	/* the next job starts its body afresh */
	current[cpu] = -1;
	struct frame *next = dispatch(cpu, NULL);
	if (next)
		return next;
	record(EV_IDLE, cpu, -1, 0);
	return idle_frame[cpu];
}

struct frame *irq_exception(struct frame *f, u64 kind)
{
	unsigned cpu = vcpu_id();
	struct frame *next;

	if (kind == EXC_SYNC) {		/* SVC: a job has finished */
		lock();
		next = finish(cpu);
		kick_others(cpu);
		unlock();
		return next;
	}
	if (kind != EXC_IRQ) {
		printf("FAIL: exception kind %lu at 0x%lx\n", kind, f->elr);
		power_off();
	}
	u32 intid = irq_ack();
	if (intid == INTID_SPURIOUS)
		return f;
	lock();
	if (intid == INTID_VTIMER)
		release_due(counter_read());
	irq_eoi(intid);
	next = dispatch(cpu, f);
	if (intid == INTID_VTIMER)
		kick_others(cpu);
	unlock();
	return next;
}

/* -- the jobs --------------------------------------------------------------------- */

static void job_body(u64 task)
{
	struct task *t = &tasks[task];
	u64 work = t->C > allowance ? t->C - allowance : 0;

	burn(work * burn_per_tick_x1000 / 1000 / sharing);
	__asm__ volatile("svc #0" ::: "memory");	/* finish(): never returns here */
	for (;;)
		;
}

/* -- start-up ----------------------------------------------------------------------- */

/* burn() iterations per counter tick, x1000, while this CPU runs: the
 * fastest of a few tries, the one least disturbed by whatever else ran
 * meanwhile (another VM, or another CPU's turn). */
static void calibrate(void)
{
	u64 best = NONE;

	for (int i = 0; i < CALIBRATION_TRIES; i++) {
		u64 t0 = counter_read();
		burn(CALIBRATION_ITERS);
		u64 ticks = counter_read() - t0;
		if (ticks < best)
			best = ticks;
	}
	burn_per_tick_x1000 = CALIBRATION_ITERS * 1000 / best;
}

static void idle(u64 cpu)
{
	(void)cpu;
	for (;;)
		;
}

static bool read_tasks(void)
{
	ntasks = (unsigned)param(P_NTASKS);
	if (ntasks > MAX_TASKS) {
		printf("FAIL: %u tasks, at most %u\n", ntasks, MAX_TASKS);
		return false;
	}
	for (unsigned i = 0; i < ntasks; i++) {
		struct task *t = &tasks[i];

		t->C = param(P_TASKS + TASK_WORDS * i);
		t->T = param(P_TASKS + TASK_WORDS * i + 1);
		t->D = param(P_TASKS + TASK_WORDS * i + 2);
		t->offset = param(P_TASKS + TASK_WORDS * i + 3);
		t->next_release = start + t->offset;
	}
	return true;
}

static void dump(void)
{
	char line[96];

	printf("RT: %u events%s\n", log_len, log_full ? " (log full: later ones lost)" : "");
	for (unsigned i = 0; i < log_len; i++) {
		struct event *e = &log_[i];
		int n = format_line(line, sizeof(line), "EV %lu %s %u %d %u\n", e->t,
				    ev_names[e->kind], e->cpu, e->task == 0xffff ? -1 : (int)e->task,
				    e->job);
		hypercall(HC_PUTS, (u64)line, (u64)n, 0);
	}
}

void rt_secondary_main(void)
{
	irq_setup(kernel_stack[1] + STACK_SIZE);
	__atomic_store_n(&vcpu1_up, true, __ATOMIC_RELEASE);
	frame_resume(new_frame(idle_stack[1], idle, 1));
}

static void run_tasks(void)
{
	irq_setup(kernel_stack[0] + STACK_SIZE);
	if (nvcpus > 1) {
		s64 r = psci_cpu_on(1, rt_secondary_entry, (u64)(idle_stack[1] + STACK_SIZE));
		check(r == 0, "vCPU 1 switched on (PSCI CPU_ON returned %ld)", r);
		while (!__atomic_load_n(&vcpu1_up, __ATOMIC_ACQUIRE))
			;
	}
	lock();
	u64 first = next_release();
	if (first != NONE)
		vtimer_at(first);
	unlock();
	irqs_on();
	while (counter_read() < end || next_release() != NONE)
		;
	/* the last jobs: wait until every released job is done */
	for (;;) {
		bool busy = false;
		for (unsigned i = 0; i < ntasks; i++)
			busy |= tasks[i].done < tasks[i].released;
		if (!busy)
			break;
	}
	irqs_off();
}

int main(void)
{
	if (param(P_MAGIC) != RT_MAGIC) {
		printf("FAIL: scenario parameters are not the rt guest's (magic)\n");
		return 1;
	}
	check(hypercall(HC_PARAM, ~0ULL >> 1, 0, 0) == HC_ERR_INVAL,
	      "HC_PARAM past the last value -> HC_ERR_INVAL");
	u64 hz = param(P_HZ);
	if (!check(counter_freq() == hz, "counter at %lu Hz, as the scenario assumed", hz))
		return summary();
	policy = (unsigned)param(P_SCHED);
	nvcpus = (unsigned)param(P_VCPUS);
	start = param(P_START);
	end = param(P_END);
	allowance = param(P_ALLOWANCE);
	sharing = param(P_SHARING);
	if (!read_tasks() || nvcpus < 1 || nvcpus > MAX_VCPUS || sharing < 1)
		return summary();
	calibrate();
	printf("RT: %s, %u task(s) on %u vCPU(s), %lu.%03lu burn iterations per tick, "
	       "run from %lu to %lu\n", param(P_MODE) == MODE_HOG ? "hog" :
	       policy == SCHED_EDF ? (nvcpus > 1 ? "global EDF" : "EDF") : "FP", ntasks, nvcpus,
	       burn_per_tick_x1000 / 1000, burn_per_tick_x1000 % 1000, start, end);
	check(counter_read() < start, "ready before the first release");
	if (param(P_MODE) == MODE_HOG) {
		while (counter_read() < end)
			;
	} else {
		idle_frame[0] = NULL;
		run_tasks();
		dump();
	}
	return summary();
}
