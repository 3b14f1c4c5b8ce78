/* hypercall: a round trip through the hypercall ABI (hv/hypercall.h), with
 * arguments in, results out, and nothing else disturbed. */
#include "guest.h"

static const char message[] = "a string printed by HC_PUTS\n";

int main(void)
{
	check(hypercall(HC_VERSION, 0, 0, 0) == HC_ABI_VERSION, "HC_VERSION returns %d",
	      HC_ABI_VERSION);
	check(hypercall(HC_VM_ID, 0, 0, 0) == 0, "HC_VM_ID returns 0 for the only VM");
	check(hypercall(HC_ECHO, 1, 10, 100) == 1 + 2 * 10 + 3 * 100,
	      "HC_ECHO(1, 10, 100) returns 321: three arguments arrive in order");
	check(hypercall(HC_ECHO, ~0ULL, 0, 0) == -1, "HC_ECHO passes all 64 bits");
	check(hypercall(HC_PUTS, (u64)message, sizeof(message) - 1, 0) ==
	      (s64)(sizeof(message) - 1), "HC_PUTS returns the length printed");
	check(hypercall(HC_PUTCHAR, '\n', 0, 0) == 0, "HC_PUTCHAR returns 0");
	check(hypercall(HC_YIELD, 0, 0, 0) == 0, "HC_YIELD returns 0 to the only VM");
	check(hypercall_preserves_registers(), "registers other than the result survive");
	return summary();
}
