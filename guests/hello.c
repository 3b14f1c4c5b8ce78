/* hello: the smallest guest. Its output goes through an emulated UART: each
 * byte is a store that traps to the hypervisor and is printed from there. */
#include "guest.h"

int main(void)
{
	printf("Hello from a guest, through a trapped UART\n");
	check(hypercall(HC_VERSION, 0, 0, 0) == HC_ABI_VERSION, "hypercall ABI version %d",
	      HC_ABI_VERSION);
	check(uart_status() != 0, "emulated UART status register reads back");
	return summary();
}
