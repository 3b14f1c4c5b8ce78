/* mmio-edge: device accesses the architecture treats specially. An
 * unaligned access to Device memory takes an alignment fault at EL1 (the
 * hypervisor reflects it: arch_arm64/trap.c), and neither returns data nor
 * reaches the device. A 16-bit Thumb store from AArch32 EL0, emulated,
 * resumes 2 bytes on (ESR_EL2.IL = 0), not 4. */
#include "guest.h"
#include "config.h"

#define DEMO_ID		(GUEST_DEMO_BASE + 0x00)
#define DEMO_SCRATCH	(GUEST_DEMO_BASE + 0x08)
#define EC_DABT_CUR	0x25
#define DFSC_ALIGNMENT	0x21
#define ESR_WNR		BIT(6)
#define UNTOUCHED	0x5eed5eed

u64 load32_at(u64 addr, u64 old);		/* mmio-edge.S */
void store64_at(u64 addr, u64 value);
u64 thumb_store_byte(u64 addr, u64 byte);

static bool alignment_fault(u64 addr, bool write)
{
	u64 esr = guest_exceptions.esr;

	return guest_exceptions.count == 1 && FIELD(esr, 31, 26) == EC_DABT_CUR &&
	       FIELD(esr, 5, 0) == DFSC_ALIGNMENT && !!(esr & ESR_WNR) == write &&
	       guest_exceptions.far == addr;
}

int main(void)
{
	exceptions_install();

	u64 got = load32_at(DEMO_ID + 1, UNTOUCHED);
	check(alignment_fault(DEMO_ID + 1, false) && got == UNTOUCHED,
	      "an unaligned 4-byte load from a device takes an alignment fault (ESR_EL1 0x%lx, "
	      "FAR_EL1 0x%lx, register 0x%lx)", guest_exceptions.esr, guest_exceptions.far, got);

	mmio_write64(DEMO_SCRATCH, 0x1111);
	guest_exceptions.count = 0;
	store64_at(DEMO_SCRATCH + 4, 0x2222);
	check(alignment_fault(DEMO_SCRATCH + 4, true) && mmio_read64(DEMO_SCRATCH) == 0x1111,
	      "an unaligned 8-byte store to a device takes an alignment fault and changes nothing");

	guest_exceptions.count = 0;
	u64 next_ran = thumb_store_byte(DEMO_SCRATCH, 0xab);
	exceptions_install();
	check(next_ran == 1 && mmio_read64(DEMO_SCRATCH) == 0xab && guest_exceptions.count == 0,
	      "a 16-bit Thumb store from AArch32 EL0 is emulated and steps the PC by 2");
	return summary();
}
