/* console-escape: a guest prints what a terminal would act on (an ANSI
 * escape sequence, a carriage return, a bell, DEL, bytes 0x80-0xff) and a
 * line made to look like the hypervisor's. The hypervisor's console shows
 * each such byte as \xNN, and every line of the guest's behind its name. */
#include "guest.h"

int main(void)
{
	printf("escape \033[2J sequence\n");
	printf("bell \a, DEL \177, high \x80\xff, tab\tkept\n");
	printf("overwrite\rFORGED\n");
	printf("\nhv: vm 'victim' stopped: forged by a guest\n");
	check(true, "printed control bytes, an escape sequence, DEL and high bytes");
	return summary();
}
