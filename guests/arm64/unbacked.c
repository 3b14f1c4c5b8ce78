/* unbacked: loads, stores and a fetch where the VM has neither RAM nor a
 * device. Under KVM's policy (scenario key `unbacked = "kvm"`, hv/vm.h) an
 * access the syndrome describes goes to the VMM, which finds no device:
 * a load reads 0, a store does nothing. One with no syndrome (LDP) and an
 * instruction fetch are synchronous external aborts this guest's own
 * handler sees, with FAR_EL1 the address. Under the lessons' policy the
 * first access stops the VM with a report. */
#include "guest.h"
#include "config.h"

#define EMPTY_SLOT	0x0a003e00ULL	/* the last virtio-mmio slot of QEMU's virt board */
#define PAST_RAM	(GUEST_RAM_BASE + GUEST_RAM_SIZE)
#define EC_IABT_CUR	0x21
#define EC_DABT_CUR	0x25
#define FSC_EXTERNAL	0x10
#define ESR_IL		BIT(25)
#define UNTOUCHED	0x5eed5eedULL

u64 load_pair_at(u64 addr, u64 old);	/* unbacked.S */

static bool no_exception(void)
{
	return guest_exceptions.count == 0;
}

/* One synchronous external abort of class `ec` at `far`, and nothing else. */
static bool external_abort(u64 ec, u64 far)
{
	u64 esr = guest_exceptions.esr;

	return guest_exceptions.count == 1 && guest_exceptions.vector == 4 &&	/* EL1h, sync */
	       FIELD(esr, 31, 26) == ec && FIELD(esr, 5, 0) == FSC_EXTERNAL && (esr & ESR_IL) &&
	       FIELD(esr, 24, 6) == 0 && guest_exceptions.far == far;
}

int main(void)
{
	exceptions_install();

	printf("reading 0x%llx, an empty device slot\n", EMPTY_SLOT);
	u32 slot = mmio_read32(EMPTY_SLOT);
	check(slot == 0 && no_exception(), "a load from an empty device slot reads 0 (read 0x%x)", slot);

	mmio_write32(EMPTY_SLOT, 0xdead);
	check(no_exception() && mmio_read32(EMPTY_SLOT) == 0, "a store there does nothing");

	u64 past = mmio_read64(PAST_RAM);
	check(past == 0 && no_exception(), "a load just past RAM (0x%llx) reads 0", PAST_RAM);

	u64 got = load_pair_at(EMPTY_SLOT, UNTOUCHED);
	check(external_abort(EC_DABT_CUR, EMPTY_SLOT) && got == UNTOUCHED,
	      "a load pair there (no syndrome, ISV=0) is a synchronous external abort at EL1 "
	      "(ESR_EL1 0x%lx, FAR_EL1 0x%lx)", guest_exceptions.esr, guest_exceptions.far);

	guest_exceptions.count = 0;
	guest_exceptions.return_to_caller = true;
	((void (*)(void))PAST_RAM)();
	check(external_abort(EC_IABT_CUR, PAST_RAM) && guest_exceptions.elr == PAST_RAM,
	      "a jump past RAM is a synchronous external abort on the fetch, at EL1 "
	      "(ESR_EL1 0x%lx, FAR_EL1 0x%lx, ELR_EL1 0x%lx)", guest_exceptions.esr,
	      guest_exceptions.far, guest_exceptions.elr);
	return summary();
}
