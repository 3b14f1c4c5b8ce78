/* crash: a guest that executes an undefined instruction and has installed
 * no exception handler. The hypervisor must stop this VM, say why, and let
 * every other VM run on. */
#include "guest.h"

int main(void)
{
	printf("executing an undefined instruction, with no exception handler\n");
	__builtin_trap();	/* UDF on arm64, UD2 on x86 */
	printf("the undefined instruction returned\n");
	return 1;
}
