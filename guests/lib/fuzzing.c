/* What the fuzzing guests (guests/<arch>/fuzz.c) and their victims
 * (guests/<arch>/fuzz-victim.c) share: the seeded PRNG (xorshift64*), the
 * digest of everything the hypervisor answered, the hypercall operation,
 * the loop and its report, and the victim's yield-and-check loop. */
#include "guest.h"
#include "config.h"

#define ALONE_YIELDS	100	/* this many quick yields in a row: the fuzzer is gone */
#define BLOCK_WORDS	256

static u64 rng_state;
static u64 digest;
static char text[] = "fuzz: a string in guest RAM for HC_PUTS";

u64 fuzz_rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

void fuzz_fold(u64 v)
{
	digest = (digest ^ v) * 0x100000001b3ULL;
}

/* A hypercall, mostly a known number, arguments from arg(). What would
 * print (HC_PUTCHAR, HC_PUTS of a real string) prints rarely, so that the
 * console stays readable; HC_EXIT is the last operation's, not the loop's. */
void fuzz_hypercall(u64 (*arg)(void))
{
	u64 nr = fuzz_rng() % 10 == 0 ? fuzz_rng() : fuzz_rng() % 8, a = arg(), b = arg(), c = arg();
	bool quiet = fuzz_rng() % 32 != 0;

	if (nr == HC_EXIT)
		nr = HC_VM_ID;
	if (nr == HC_PUTCHAR)
		a = quiet ? '\r' : ' ' + a % ('~' - ' ');	/* the console drops '\r' */
	if (nr == HC_PUTS && !quiet) {			/* a string that is there */
		u64 offset = a % sizeof(text);
		a = (u64)text + offset, b = b % (sizeof(text) - offset);
	} else if (nr == HC_PUTS && b <= HC_PUTS_MAX && a - GUEST_RAM_BASE < GUEST_RAM_SIZE) {
		b = 0;					/* in RAM: say nothing */
	}
	fuzz_fold(hypercall(nr, a, b, c));
}

void fuzz_loop(u64 seed, u64 n, void (*const kinds[])(void), unsigned count, u64 *ops)
{
	rng_state = seed + 0x9e3779b97f4a7c15ULL;	/* xorshift's state must not be 0 */
	if (!rng_state)
		rng_state = 1;
	printf("fuzz: seed %lu, %lu operations\n", seed, n);
	for (u64 i = 0; i < n; i++) {
		unsigned k = (unsigned)(fuzz_rng() % count);

		ops[k]++;
		kinds[k]();
	}
	printf("\n");			/* end whatever line HC_PUTCHAR/HC_PUTS began */
}

void fuzz_report(u64 seed, u64 n, u64 exceptions)
{
	fuzz_fold(exceptions);
	printf("fuzz: seed %lu digest %016lx\n", seed, digest);
	check(hypercall(HC_ECHO, 1, 10, 100) == 321, "after %lu operations the hypervisor still answers", n);
	summary();
}

static u64 block[BLOCK_WORDS];

static u64 block_sum(void)
{
	u64 sum = 0;

	for (unsigned i = 0; i < BLOCK_WORDS; i++)
		sum = sum * 31 + block[i];
	return sum;
}

int fuzz_victim(const char *what, const struct ws_register *regs, unsigned count,
		unsigned (*also_changed)(void), u64 gap_us)
{
	unsigned rounds = 0, changed = 0, wrong_answers = 0;

	for (unsigned i = 0; i < BLOCK_WORDS; i++)
		block[i] = 0x9e3779b97f4a7c15ULL * (i + 1);
	u64 sum = block_sum();
	for (unsigned i = 0; i < count; i++)
		regs[i].write(regs[i].value[1]);

	u64 gap = gap_us * counter_freq() / 1000000;
	for (unsigned quick = 0; quick < ALONE_YIELDS;) {	/* until the fuzzer is gone */
		u64 start = counter_read();

		hypercall(HC_YIELD, 0, 0, 0);			/* the fuzzer's turn */
		if (counter_read() - start <= gap) {
			quick++;
			continue;
		}
		quick = 0;
		rounds++;
		for (unsigned i = 0; i < count; i++)
			if ((regs[i].read() & regs[i].mask) != (regs[i].value[1] & regs[i].mask)) {
				printf("%s changed: 0x%lx\n", regs[i].name, regs[i].read());
				changed++;
			}
		changed += also_changed ? also_changed() : 0;
		changed += block_sum() != sum;
		wrong_answers += hypercall(HC_ECHO, rounds, 2, 3) != (s64)(rounds + 13);
	}
	printf("victim: %u time slices of the other VM's survived\n", rounds);
	check(rounds > 0, "the fuzzer ran beside this VM");
	check(changed == 0, "its registers (%s) and memory never changed", what);
	check(wrong_answers == 0, "every hypercall answered correctly");
	return summary();
}
