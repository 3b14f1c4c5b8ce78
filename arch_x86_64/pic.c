/* The PC's interval timer (8254 PIT) and interrupt controller (8259A PIC),
 * as a one-shot timer: arm it for N microseconds, get IRQ 0 once. The
 * AMD-V back end ends time slices with it (its INTR intercept); VT-x has its
 * own preemption timer. The PIC is moved to vectors 0x20-0x2f, clear of the
 * CPU's exceptions, and every line but IRQ 0 stays masked. */
#include "cpu.h"
#include "pic.h"
#include "x86.h"

#define PIC_MASTER_CMD		0x20
#define PIC_MASTER_DATA		0x21	/* the mask register, after set-up */
#define PIC_SLAVE_CMD		0xa0
#define PIC_SLAVE_DATA		0xa1
#define PIC_MASK_ALL		0xff
#define PIC_ICW1_INIT_ICW4	0x11	/* initialise; an ICW4 follows */
#define PIC_ICW3_SLAVE_ON_IRQ2	0x04
#define PIC_ICW3_SLAVE_ID	2
#define PIC_ICW4_8086		0x01
#define PIC_EOI			0x20	/* non-specific end of interrupt */
#define PIC_VECTOR_BASE		0x20
#define IRQ_PIT			0

#define PIT_CHANNEL0		0x40
#define PIT_COMMAND		0x43
#define PIT_HZ			1193182	/* the PIT's input clock */
#define PIT_CH0_LOHI_MODE0	0x30	/* channel 0, low then high byte, mode 0:
					 * interrupt once on terminal count */
#define PIT_MAX_COUNT		0xffff

extern void timer_interrupt_entry(void);	/* isr.S */
void timer_interrupt(void);

static volatile bool tick_taken;	/* since pit_tick_taken() last asked */

void pic_init(void)
{
	outb(PIC_MASTER_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC_MASTER_DATA, PIC_VECTOR_BASE);
	outb(PIC_MASTER_DATA, PIC_ICW3_SLAVE_ON_IRQ2);
	outb(PIC_MASTER_DATA, PIC_ICW4_8086);
	outb(PIC_SLAVE_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC_SLAVE_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC_SLAVE_DATA, PIC_ICW3_SLAVE_ID);
	outb(PIC_SLAVE_DATA, PIC_ICW4_8086);
	outb(PIC_MASTER_DATA, PIC_MASK_ALL);
	outb(PIC_SLAVE_DATA, PIC_MASK_ALL);
	idt_set_interrupt_handler(PIC_VECTOR_BASE + IRQ_PIT, timer_interrupt_entry);
}

void pit_oneshot(u64 microseconds)
{
	u64 count = microseconds * PIT_HZ / USEC_PER_SEC;

	if (count > PIT_MAX_COUNT)
		count = PIT_MAX_COUNT;		/* about 55 ms at most */
	outb(PIT_COMMAND, PIT_CH0_LOHI_MODE0);
	outb(PIT_CHANNEL0, count & 0xff);
	outb(PIT_CHANNEL0, count >> 8);
	outb(PIC_MASTER_DATA, PIC_MASK_ALL & ~(1u << IRQ_PIT));
}

void pit_stop(void)
{
	outb(PIC_MASTER_DATA, PIC_MASK_ALL);
	tick_taken = false;
}

/* Called by timer_interrupt_entry: note the tick, acknowledge it. */
void timer_interrupt(void)
{
	tick_taken = true;
	outb(PIC_MASTER_CMD, PIC_EOI);
}

/* Whether IRQ 0 came since the last call. The host takes it on its way out
 * of every guest run (svm_entry.S), also when the run ended for another
 * reason, say an OUT to the UART: the slice is over then too. */
bool pit_tick_taken(void)
{
	bool taken = tick_taken;

	tick_taken = false;
	return taken;
}
