/* A minimal virtio-mmio driver for test guests (virtio 1.x, 4.2 and 2.7):
 * find and initialise a device, set up split virtqueues in our own memory,
 * put a descriptor chain on a queue and poll for it to come back used. No
 * interrupts: the guests poll, which keeps the driver short. */
#pragma once
#include "types.h"

#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTQ_SIZE		8	/* entries per queue (QueueNum) */
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2

struct virtq_desc { u64 addr; u32 len; u16 flags; u16 next; };
struct virtq_avail { u16 flags, idx, ring[VIRTQ_SIZE], used_event; };
struct virtq_used_elem { u32 id, len; };
struct virtq_used { u16 flags, idx; struct virtq_used_elem ring[VIRTQ_SIZE]; u16 avail_event; };

struct virtq {
	u64 base;			/* the device's registers */
	unsigned index;			/* which of its queues */
	struct virtq_desc desc[VIRTQ_SIZE] __attribute__((aligned(16)));
	struct virtq_avail avail __attribute__((aligned(2)));
	struct virtq_used used __attribute__((aligned(4)));
	u16 last_used;
};

/* Reset the device at `base`, check it is `device_id`, agree on
 * VIRTIO_F_VERSION_1 plus `features` (low 32 bits); false if anything fails. */
bool virtio_init(u64 base, u32 device_id, u32 features);
bool virtio_queue_init(struct virtq *q, u64 base, unsigned index);
void virtio_driver_ok(u64 base);
u32 virtio_status(u64 base);
u32 virtio_device_features(u64 base);	/* feature bits 0..31 the device offers */
void virtio_notify(struct virtq *q);	/* QueueNotify alone */
u32 virtio_config32(u64 base, unsigned offset);
/* Offer the chain starting at descriptor `head` (avail ring, then QueueNotify). */
void virtq_submit(struct virtq *q, u16 head);
/* Poll until the device has used one more chain; false after `spins` polls. */
bool virtq_wait_used(struct virtq *q, u64 spins);
