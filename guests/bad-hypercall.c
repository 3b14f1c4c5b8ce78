/* bad-hypercall: a guest that misuses the ABI on purpose. Every call must
 * come back with an error code; none may crash the hypervisor. It ends with
 * HC_EXIT, so the hypervisor reports the exit code. */
#include "guest.h"
#include "config.h"

#define RAM_END		(GUEST_RAM_BASE + GUEST_RAM_SIZE)
#define EXIT_CODE	7

int main(void)
{
	check(hypercall(999, 0, 0, 0) == HC_ERR_UNKNOWN, "unknown number 999 -> HC_ERR_UNKNOWN");
	check(hypercall(~0ULL, 1, 2, 3) == HC_ERR_UNKNOWN, "number -1 -> HC_ERR_UNKNOWN");
	check(hypercall(HC_PUTS, RAM_END + PAGE_SIZE, 16, 0) == HC_ERR_INVAL,
	      "HC_PUTS from an address outside guest RAM -> HC_ERR_INVAL");
	check(hypercall(HC_PUTS, RAM_END - 4, 8, 0) == HC_ERR_INVAL,
	      "HC_PUTS running past the end of RAM -> HC_ERR_INVAL");
	check(hypercall(HC_PUTS, GUEST_RAM_BASE, ~0ULL, 0) == HC_ERR_INVAL,
	      "HC_PUTS with length 2^64-1 -> HC_ERR_INVAL");
	check(hypercall(HC_PUTS, ~0ULL - 2, 8, 0) == HC_ERR_INVAL,
	      "HC_PUTS whose range wraps around -> HC_ERR_INVAL");
	check(hypercall(HC_PUTS, GUEST_RAM_BASE, HC_PUTS_MAX + 1, 0) == HC_ERR_INVAL,
	      "HC_PUTS longer than HC_PUTS_MAX -> HC_ERR_INVAL");
	check(hypercall(HC_PUTS, GUEST_RAM_BASE, 0, 0) == 0, "HC_PUTS of 0 bytes -> 0");
	check(hypercall(HC_VERSION, 0, 0, 0) == HC_ABI_VERSION,
	      "the hypervisor still answers after all that");
	summary();
	hypercall(HC_EXIT, EXIT_CODE, 0, 0);
	check(false, "HC_EXIT returned");
	return 1;
}
