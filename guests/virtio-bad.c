/* virtio-bad: a driver that breaks the virtqueue rules on purpose, once per
 * rule: a buffer outside guest memory, a descriptor chain that loops, an
 * available index that runs past the queue. Each time the device must set
 * DEVICE_NEEDS_RESET and the VMM must go on; after a reset, a good request
 * still works. */
#include "guest.h"
#include "config.h"
#include "virtio.h"

#define BLK_BASE		GUEST_VIRTIO_BASE
#define VIRTIO_BLK_T_IN		0
#define SECTOR_SIZE		512
#define SPINS			100000000ULL
#define OUTSIDE_RAM		(GUEST_RAM_BASE + GUEST_RAM_SIZE + GiB)

static struct virtq q;
static struct { u32 type, reserved; u64 sector; } header;
static u8 data[SECTOR_SIZE];
static volatile u8 status;

static bool start(void)
{
	if (!virtio_init(BLK_BASE, VIRTIO_ID_BLOCK, 0) || !virtio_queue_init(&q, BLK_BASE, 0))
		return false;
	virtio_driver_ok(BLK_BASE);
	return true;
}

static void good_chain(void)
{
	header.type = VIRTIO_BLK_T_IN;
	q.desc[0] = (struct virtq_desc){ (u64)&header, sizeof(header), VIRTQ_DESC_F_NEXT, 1 };
	q.desc[1] = (struct virtq_desc){ (u64)data, SECTOR_SIZE, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2 };
	q.desc[2] = (struct virtq_desc){ (u64)&status, 1, VIRTQ_DESC_F_WRITE, 0 };
}

/* The device noticed: DEVICE_NEEDS_RESET (polled: the device may be a thread). */
static bool needs_reset(void)
{
	for (u64 i = 0; i < SPINS; i++)
		if (virtio_status(BLK_BASE) & VIRTIO_STATUS_NEEDS_RESET)
			return true;
	return false;
}

int main(void)
{
	if (!check(start(), "virtio-blk set up"))
		return summary();
	good_chain();
	q.desc[1].addr = OUTSIDE_RAM;
	virtq_submit(&q, 0);
	check(needs_reset(), "a buffer at 0x%llx, outside guest RAM -> DEVICE_NEEDS_RESET", OUTSIDE_RAM);

	start();
	good_chain();
	q.desc[2] = (struct virtq_desc){ (u64)&status, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1 };
	virtq_submit(&q, 0);
	check(needs_reset(), "a descriptor chain that loops (2 -> 1) -> DEVICE_NEEDS_RESET");

	start();
	q.avail.idx += VIRTQ_SIZE + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	virtio_notify(&q);
	check(needs_reset(), "avail.idx %d entries ahead of a %d-entry queue -> DEVICE_NEEDS_RESET",
	      VIRTQ_SIZE + 1, VIRTQ_SIZE);

	start();
	good_chain();
	status = 0xff;
	virtq_submit(&q, 0);
	check(virtq_wait_used(&q, SPINS) && status == 0, "after a reset, a good request succeeds");
	return summary();
}
