/* rt-latency: how long after its virtual timer fires does a guest's
 * interrupt handler start? The guest arms CNTV for a pseudo-random moment
 * (the same sequence every run), spins, and its vector's second
 * instruction reads the counter (vectors.S): latency = that reading minus
 * CNTV_CVAL, in counter ticks. The same binary runs under the hypervisor
 * (the interrupt exits to EL2 and comes back through a list register)
 * and directly on the emulated CPU at EL1 (docs/rt-latency.md). Under the
 * hypervisor, HC_PARAM 0, if given, makes the handler sit for that many
 * ticks before it turns its timer off and EOIs: the interrupt then stays
 * active across world switches (the other VM's timer must not suffer). */
#include "guest.h"
#include "irq/guest_irq.h"

#define SAMPLES		300
#define DELAY_MIN	3125	/* ticks: 50 us at 62.5 MHz */
#define DELAY_SPAN	25000	/* ... up to 450 us */
#define PER_LINE	12
#define LCG_MUL		6364136223846793005ULL	/* Knuth's MMIX LCG */
#define LCG_ADD		1442695040888963407ULL
#define STACK_SIZE	4096

static u64 latency[SAMPLES];
static volatile u64 stamp;
static volatile bool fired;
static u64 seed = 1;
static u64 hold;		/* ticks the handler sits with its interrupt active */
static unsigned taken;		/* timer interrupts taken */
static u8 kernel_stack[STACK_SIZE] __attribute__((aligned(16)));

static u64 next_delay(void)
{
	seed = seed * LCG_MUL + LCG_ADD;
	return DELAY_MIN + (seed >> 33) % DELAY_SPAN;
}

struct frame *irq_exception(struct frame *f, u64 kind)
{
	if (kind != EXC_IRQ) {
		printf("FAIL: exception kind %lu at 0x%lx\n", kind, f->elr);
		power_off();
	}
	u32 intid = irq_ack();
	if (intid == INTID_VTIMER) {
		stamp = f->stamp;
		taken++;
		while (counter_read() - stamp < hold)
			;
		vtimer_off();
		fired = true;
	}
	if (intid != INTID_SPURIOUS)
		irq_eoi(intid);
	return f;
}

int main(void)
{
	bool hv = hypervisor_present();
	u64 lo = ~0ULL, hi = 0, sum = 0;

	s64 held = hv ? hypercall(HC_PARAM, 0, 0, 0) : 0;

	hold = held > 0 ? (u64)held : 0;
	irq_setup(kernel_stack + STACK_SIZE);
	irqs_on();
	for (int i = 0; i < SAMPLES; i++) {
		u64 when = counter_read() + next_delay();

		fired = false;
		vtimer_at(when);
		while (!fired)
			;
		latency[i] = stamp - when;
		lo = latency[i] < lo ? latency[i] : lo;
		hi = latency[i] > hi ? latency[i] : hi;
		sum += latency[i];
	}
	irqs_off();
	printf("LATENCY: %s, %d samples, ticks at %lu Hz: min %lu max %lu mean %lu.%02lu\n",
	       hv ? "under the hypervisor" : "directly", SAMPLES, counter_freq(), lo, hi,
	       sum / SAMPLES, sum % SAMPLES * 100 / SAMPLES);
	for (int i = 0; i < SAMPLES; i += PER_LINE) {
		printf("LAT:");
		for (int j = i; j < i + PER_LINE && j < SAMPLES; j++)
			printf(" %lu", latency[j]);
		printf("\n");
	}
	check(taken == SAMPLES, "one interrupt per timer: %u taken for %d", taken, SAMPLES);
	check(hi < DELAY_MIN * 1000, "every timer interrupt arrived");
	summary();
	power_off();
}
