/* The virtio-mmio driver of virtio.h: registers by their offsets in the
 * spec's table (4.2.2), the initialisation sequence of 3.1.1. */
#include "guest.h"
#include "virtio.h"

#define VIRTIO_MAGIC		0x74726976	/* "virt" */
#define REG_MAGIC		0x000
#define REG_VERSION		0x004
#define REG_DEVICE_ID		0x008
#define REG_DEVICE_FEATURES	0x010
#define REG_DEVICE_FEATURES_SEL	0x014
#define REG_DRIVER_FEATURES	0x020
#define REG_DRIVER_FEATURES_SEL	0x024
#define REG_QUEUE_SEL		0x030
#define REG_QUEUE_NUM_MAX	0x034
#define REG_QUEUE_NUM		0x038
#define REG_QUEUE_READY		0x044
#define REG_QUEUE_NOTIFY	0x050
#define REG_STATUS		0x070
#define REG_QUEUE_DESC		0x080	/* low, then high at +4 */
#define REG_QUEUE_DRIVER	0x090
#define REG_QUEUE_DEVICE	0x0a0
#define REG_CONFIG		0x100
#define STATUS_ACKNOWLEDGE	1
#define STATUS_DRIVER		2
#define STATUS_DRIVER_OK	4
#define STATUS_FEATURES_OK	8
#define F_VERSION_1_HIGH	BIT(0)		/* feature bit 32: word 1, bit 0 */

static void reg_write(u64 base, unsigned reg, u32 v) { mmio_write32(base + reg, v); }
static u32 reg_read(u64 base, unsigned reg) { return mmio_read32(base + reg); }

static void reg_write64(u64 base, unsigned reg, u64 v)
{
	reg_write(base, reg, (u32)v);
	reg_write(base, reg + 4, (u32)(v >> 32));
}

u32 virtio_status(u64 base) { return reg_read(base, REG_STATUS); }
u32 virtio_device_features(u64 base)
{
	reg_write(base, REG_DEVICE_FEATURES_SEL, 0);
	return reg_read(base, REG_DEVICE_FEATURES);
}

void virtio_notify(struct virtq *q) { reg_write(q->base, REG_QUEUE_NOTIFY, q->index); }

u32 virtio_config32(u64 base, unsigned offset) { return reg_read(base, REG_CONFIG + offset); }

bool virtio_init(u64 base, u32 device_id, u32 features)
{
	if (reg_read(base, REG_MAGIC) != VIRTIO_MAGIC || reg_read(base, REG_VERSION) != 2 ||
	    reg_read(base, REG_DEVICE_ID) != device_id)
		return false;
	reg_write(base, REG_STATUS, 0);				/* reset */
	reg_write(base, REG_STATUS, STATUS_ACKNOWLEDGE);
	reg_write(base, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
	reg_write(base, REG_DEVICE_FEATURES_SEL, 1);
	if (!(reg_read(base, REG_DEVICE_FEATURES) & F_VERSION_1_HIGH))
		return false;
	reg_write(base, REG_DEVICE_FEATURES_SEL, 0);
	if ((reg_read(base, REG_DEVICE_FEATURES) & features) != features)
		return false;
	reg_write(base, REG_DRIVER_FEATURES_SEL, 0);
	reg_write(base, REG_DRIVER_FEATURES, features);
	reg_write(base, REG_DRIVER_FEATURES_SEL, 1);
	reg_write(base, REG_DRIVER_FEATURES, F_VERSION_1_HIGH);
	reg_write(base, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
	return reg_read(base, REG_STATUS) & STATUS_FEATURES_OK;
}

bool virtio_queue_init(struct virtq *q, u64 base, unsigned index)
{
	memset(q, 0, sizeof(*q));
	q->base = base;
	q->index = index;
	reg_write(base, REG_QUEUE_SEL, index);
	if (reg_read(base, REG_QUEUE_READY) || reg_read(base, REG_QUEUE_NUM_MAX) < VIRTQ_SIZE)
		return false;
	reg_write(base, REG_QUEUE_NUM, VIRTQ_SIZE);
	reg_write64(base, REG_QUEUE_DESC, (u64)q->desc);	/* identity-mapped: VA = PA */
	reg_write64(base, REG_QUEUE_DRIVER, (u64)&q->avail);
	reg_write64(base, REG_QUEUE_DEVICE, (u64)&q->used);
	reg_write(base, REG_QUEUE_READY, 1);
	return true;
}

void virtio_driver_ok(u64 base)
{
	reg_write(base, REG_STATUS, reg_read(base, REG_STATUS) | STATUS_DRIVER_OK);
}

void virtq_submit(struct virtq *q, u16 head)
{
	q->avail.ring[q->avail.idx % VIRTQ_SIZE] = head;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* the entry before the index */
	*(volatile u16 *)&q->avail.idx = q->avail.idx + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* the index before the notification */
	virtio_notify(q);
}

bool virtq_wait_used(struct virtq *q, u64 spins)
{
	while (*(volatile u16 *)&q->used.idx == q->last_used)
		if (spins-- == 0)
			return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* the index before the entry */
	q->last_used++;
	return true;
}
