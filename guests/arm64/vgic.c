/* vgic: a bare-metal guest drives the emulated GICv3 the hypervisor gives a
 * VM with an interrupt controller (arch_arm64/vgic.c), as an OS would: the
 * distributor and its redistributor by MMIO, the CPU interface by ICC_*
 * registers. It checks what the registers say, then sends itself
 * interrupts with IRQs masked and counts what its handler takes once they
 * are unmasked: SGIs, an SPI made pending by hand, a level-sensitive line
 * (the UART's, again while it stays high), two priorities, and six SGIs at once where there are four
 * list registers: the last two come by the maintenance interrupt, with no
 * other exit to bring them. */
#include "guest.h"
#include "config.h"

#define GICD			0x08000000ULL
#define GICR			0x080a0000ULL
#define GICR_SGI		(GICR + 0x10000)
#define GICD_CTLR		0x0000
#define GICD_TYPER		0x0004
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_ISPENDR		0x0200
#define GICD_IPRIORITYR		0x0400
#define GICD_IROUTER		0x6000
#define GIC_PIDR2		0xffe8
#define GICR_TYPER		0x0008
#define GICR_WAKER		0x0014
#define GICD_CTLR_ENABLE_G1	BIT(1)
#define GICR_TYPER_LAST		BIT(4)
#define UART_IMSC		(GUEST_UART_BASE + 0x038)
#define UART_ICR		(GUEST_UART_BASE + 0x044)
#define UART_INT_TX		BIT(5)
#define UART_INTID		33
#define SPI_BY_HAND		40
#define INTID_SPURIOUS		1020
#define ALL_AT_ONCE		6	/* SGIs 2-7: more than the 4 list registers */
#define SPIN			20000	/* loop turns with interrupts open, no exit */

#define ICC_IAR1_EL1	S3_0_C12_C12_0
#define ICC_EOIR1_EL1	S3_0_C12_C12_1
#define ICC_PMR_EL1	S3_0_C4_C6_0
#define ICC_IGRPEN1_EL1	S3_0_C12_C12_7
#define ICC_SGI1R_EL1	S3_0_C12_C11_5

static volatile u32 taken[64];
static volatile u32 order[16], taken_count;
static volatile u32 lower_uart_at = 1;	/* the UART's take on which its handler lowers the line */

static void irq(void)
{
	u32 intid = (u32)sysreg_read(ICC_IAR1_EL1);

	if (intid >= INTID_SPURIOUS)
		return;
	taken[intid]++;
	if (intid == UART_INTID && taken[intid] == lower_uart_at)
		mmio_write32(UART_ICR, UART_INT_TX);	/* lower the line before the EOI */
	if (taken_count < ARRAY_SIZE(order))
		order[taken_count] = intid;
	taken_count++;
	sysreg_write(ICC_EOIR1_EL1, intid);
}

static void mask(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

/* Interrupts open for SPIN turns of a loop that never leaves the guest. */
static void open_window(void)
{
	__asm__ volatile("msr daifclr, #2; isb" ::: "memory");
	for (volatile int i = 0; i < SPIN; i++)
		;
	mask();
}

static void send_sgi(u32 intid)
{
	sysreg_write(ICC_SGI1R_EL1, ((u64)intid << 24) | BIT(0));	/* to Aff0 = 0: itself */
}

static void reset_count(void)
{
	taken_count = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(taken); i++)
		taken[i] = 0;
}

int main(void)
{
	exceptions_install();
	guest_exceptions.irq = irq;
	mask();

	u32 typer = mmio_read32(GICD + GICD_TYPER);
	check((mmio_read32(GICD + GIC_PIDR2) & 0xf0) == 0x30 && (typer & 0x1f) == 1,
	      "the distributor says GICv3, 64 INTIDs (GICD_TYPER 0x%x)", typer);
	u64 rtyper = mmio_read64(GICR + GICR_TYPER);
	check((rtyper & GICR_TYPER_LAST) && (rtyper >> 32) == 0,
	      "its one redistributor is the last, for affinity 0 (GICR_TYPER 0x%lx)", rtyper);

	mmio_write32(GICD + GICD_CTLR, GICD_CTLR_ENABLE_G1);
	mmio_write32(GICR + GICR_WAKER, 0);
	mmio_write32(GICR_SGI + GICD_IGROUPR, ~0u);
	mmio_write32(GICR_SGI + GICD_ISENABLER, 0xffff);
	for (unsigned n = 0; n < 16; n += 4)
		mmio_write32(GICR_SGI + GICD_IPRIORITYR + n, 0xa0a0a0a0);
	sysreg_write(ICC_PMR_EL1, 0xff);
	sysreg_write(ICC_IGRPEN1_EL1, 1);

	send_sgi(1);
	open_window();
	check(taken[1] == 1 && taken_count == 1, "an SGI to itself arrives once");

	reset_count();
	for (u32 sgi = 2; sgi < 2 + ALL_AT_ONCE; sgi++)
		send_sgi(sgi);
	open_window();
	check(taken_count == ALL_AT_ONCE, "%u SGIs pending at once, 4 list registers: all %u arrive "
	      "(the maintenance interrupt brings the rest)", ALL_AT_ONCE, taken_count);

	reset_count();
	*(volatile u8 *)(GICR_SGI + GICD_IPRIORITYR + 8) = 0x80;
	*(volatile u8 *)(GICR_SGI + GICD_IPRIORITYR + 9) = 0x40;
	send_sgi(8);
	send_sgi(9);
	open_window();
	check(taken_count == 2 && order[0] == 9 && order[1] == 8,
	      "of two pending, the higher priority (lower value) comes first");

	reset_count();
	mmio_write32(GICD + GICD_IGROUPR + 4, ~0u);
	*(volatile u8 *)(GICD + GICD_IPRIORITYR + SPI_BY_HAND) = 0xa0;
	*(volatile u8 *)(GICD + GICD_IPRIORITYR + UART_INTID) = 0xa0;
	mmio_write64(GICD + GICD_IROUTER + 8 * SPI_BY_HAND, 0);
	mmio_write64(GICD + GICD_IROUTER + 8 * UART_INTID, 0);
	mmio_write32(GICD + GICD_ISENABLER + 4, (u32)(BIT(SPI_BY_HAND - 32) | BIT(UART_INTID - 32)));
	mmio_write32(GICD + GICD_ISPENDR + 4, (u32)BIT(SPI_BY_HAND - 32));
	open_window();
	check(taken[SPI_BY_HAND] == 1 && taken_count == 1, "an SPI made pending by GICD_ISPENDR arrives once");

	reset_count();
	mmio_write32(UART_IMSC, UART_INT_TX);	/* a byte went out: its TX status is raised */
	open_window();
	mmio_write32(UART_IMSC, 0);
	check(taken[UART_INTID] == 1 && taken_count == 1,
	      "the UART's level-sensitive line arrives as SPI 33, once: its handler lowered it");

	reset_count();
	lower_uart_at = 2;
	mmio_write32(UART_IMSC, UART_INT_TX);
	open_window();
	mmio_write32(UART_IMSC, 0);
	check(taken[UART_INTID] == 2 && taken_count == 2,
	      "a line still high after the EOI comes again (%u), until the handler lowers it",
	      taken[UART_INTID]);
	return summary();
}
