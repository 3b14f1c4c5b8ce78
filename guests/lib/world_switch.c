/* The world-switch check every register class shares: two VMs run the
 * same guest; each writes its own values (VM 0 and VM 1 differ in every
 * register), is preempted by the other a few times, and checks after each
 * time that it still reads its own values and never the other VM's. */
#include "guest.h"

#define ROUNDS		3
#define GAP_US		500	/* a counter jump this long: the other VM ran */
#define LIMIT_MS	100	/* a time slice is 2 ms: being preempted takes less */

/* Compare one read-back value; print what went wrong, if anything. */
static void compare(const struct ws_register *r, u64 id, u64 seen, unsigned *lost,
		    unsigned *foreign)
{
	u64 mine = r->value[id] & r->mask, theirs = r->value[id ^ 1] & r->mask;

	seen &= r->mask;
	if (seen == mine)
		return;
	if (seen == theirs) {
		printf("VM %lu: %s reads 0x%lx: the other VM's value\n", id, r->name, seen);
		(*foreign)++;
	} else {
		printf("VM %lu: %s reads 0x%lx, not the 0x%lx written\n", id, r->name, seen, mine);
		(*lost)++;
	}
}

void world_switch_hold(const char *class, const struct ws_register *regs, unsigned count)
{
	u64 id = (u64)hypercall(HC_VM_ID, 0, 0, 0) & 1;
	unsigned preempted = 0, lost = 0, foreign = 0;

	for (unsigned i = 0; i < count; i++)
		regs[i].write(regs[i].value[id]);
	for (unsigned round = 0; round < ROUNDS; round++) {
		preempted += wait_for_preemption(GAP_US, LIMIT_MS);
		for (unsigned i = 0; i < count; i++)
			compare(&regs[i], id, regs[i].read(), &lost, &foreign);
	}
	spin_ms(WS_LINGER_MS);
	check(preempted == ROUNDS, "VM %lu was preempted %u times while holding its %s values",
	      id, preempted, class);
	check(lost == 0 && foreign == 0, "every %s register (%u) kept this VM's value",
	      class, count);
	check(foreign == 0, "no %s register ever showed the other VM's value", class);
}

int world_switch_check(const char *class, const struct ws_register *regs, unsigned count)
{
	world_switch_hold(class, regs, count);
	return summary();
}
