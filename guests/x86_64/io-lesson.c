/* io-lesson: the same 16 KiB moved three ways, each between two marks on
 * the VMM's marker port (vmm/devices/marker.py), which count the exits in
 * between: byte by byte through a UART (COM2: a status read and a data
 * write per byte), 8 bytes a store to an MMIO register (the demo device's
 * scratch register), and 4 KiB a request through virtio-blk (one
 * notification each; an MMIO exit or, with ioeventfd, none at all). The
 * guest times each with its TSC; `./lab bench --lesson io` reads it all. */
#include "guest.h"
#include "config.h"
#include "virtio.h"

#define BYTES		(16 * KiB)
#define MARKER_PORT	0x500
#define COM2		0x2f8
#define UART_LSR	5
#define UART_LSR_THRE	0x20
#define DEMO_SCRATCH	(GUEST_DEMO_BASE + 0x08)
#define BLK_BASE	GUEST_VIRTIO_BASE
#define BLOCK		(4 * KiB)
#define SECTOR_SIZE	512
#define VIRTIO_BLK_T_OUT 1
#define SPINS		100000000ULL

static u8 data[BLOCK] __attribute__((aligned(SECTOR_SIZE)));
static struct virtq q;
static struct { u32 type, reserved; u64 sector; } header;
static volatile u8 status;

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static void mark(u8 n) { outb(MARKER_PORT, n); }

static void by_uart(void)
{
	for (unsigned i = 0; i < BYTES; i++) {
		while (!(inb(COM2 + UART_LSR) & UART_LSR_THRE))
			;
		outb(COM2, data[i % BLOCK]);
	}
}

static void by_mmio(void)
{
	for (unsigned i = 0; i < BYTES; i += 8)
		mmio_write64(DEMO_SCRATCH, *(u64 *)&data[i % BLOCK]);
}

static bool by_virtio(void)
{
	bool ok = true;

	for (unsigned i = 0; i < BYTES / BLOCK; i++) {
		header.type = VIRTIO_BLK_T_OUT;
		header.sector = i * (BLOCK / SECTOR_SIZE);
		status = 0xff;
		q.desc[0] = (struct virtq_desc){ (u64)&header, sizeof(header), VIRTQ_DESC_F_NEXT, 1 };
		q.desc[1] = (struct virtq_desc){ (u64)data, BLOCK, VIRTQ_DESC_F_NEXT, 2 };
		q.desc[2] = (struct virtq_desc){ (u64)&status, 1, VIRTQ_DESC_F_WRITE, 0 };
		virtq_submit(&q, 0);
		ok &= virtq_wait_used(&q, SPINS) && status == 0;
	}
	return ok;
}

static u64 timed(void (*way)(void), u8 n)
{
	mark(n);
	u64 start = counter_read();
	way();
	u64 ticks = counter_read() - start;
	mark(n + 1);
	return ticks;
}

static bool virtio_ok;
static void virtio_way(void) { virtio_ok = by_virtio(); }

int main(void)
{
	for (unsigned i = 0; i < BLOCK; i++)
		data[i] = (u8)(i * 13);
	bool ready = virtio_init(BLK_BASE, VIRTIO_ID_BLOCK, 0) && virtio_queue_init(&q, BLK_BASE, 0);
	if (ready)
		virtio_driver_ok(BLK_BASE);
	u64 uart = timed(by_uart, 1), mmio = timed(by_mmio, 3), virtio = timed(virtio_way, 5);
	printf("BENCH: io_uart ticks=%lu iterations=%u freq=%lu\n", uart, BYTES, counter_freq());
	printf("BENCH: io_mmio ticks=%lu iterations=%u freq=%lu\n", mmio, BYTES / 8, counter_freq());
	printf("BENCH: io_virtio ticks=%lu iterations=%u freq=%lu\n", virtio, BYTES / BLOCK,
	       counter_freq());
	check(ready && virtio_ok, "%u KiB by UART, by MMIO register and by virtio-blk", BYTES / 1024);
	return summary();
}
