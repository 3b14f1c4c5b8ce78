/* virtio-blk: a driver for the VMM's virtio-blk device (vmm/devices/virtio/):
 * it writes sectors with a known pattern, flushes, reads them back and
 * compares checksums, then asks for what must fail. Each request is one
 * descriptor chain (header, data, status byte) and one notification. */
#include "guest.h"
#include "config.h"
#include "virtio.h"

#define BLK_BASE		GUEST_VIRTIO_BASE
#define VIRTIO_BLK_F_RO		BIT(5)
#define VIRTIO_BLK_F_FLUSH	BIT(9)
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_UNKNOWN	99
#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2
#define SECTOR_SIZE		512
#define SECTORS			8
#define FIRST_SECTOR		16
#define SPINS			100000000ULL
#define FNV_OFFSET		0xcbf29ce484222325ULL
#define FNV_PRIME		0x100000001b3ULL

static struct virtq q;
static struct { u32 type, reserved; u64 sector; } header;
static u8 data[SECTORS * SECTOR_SIZE] __attribute__((aligned(SECTOR_SIZE)));
static volatile u8 status;

/* One request: header, `len` bytes of data (device-writable for reads), status. */
static int request(u32 type, u64 sector, u32 len)
{
	header.type = type;
	header.sector = sector;
	status = 0xff;
	q.desc[0] = (struct virtq_desc){ (u64)&header, sizeof(header), VIRTQ_DESC_F_NEXT, 1 };
	q.desc[1] = (struct virtq_desc){ (u64)data, len,
		VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0), 2 };
	q.desc[2] = (struct virtq_desc){ (u64)&status, 1, VIRTQ_DESC_F_WRITE, 0 };
	if (type == VIRTIO_BLK_T_FLUSH)		/* no data: header, then status */
		q.desc[0].next = 2;
	virtq_submit(&q, 0);
	return virtq_wait_used(&q, SPINS) ? status : -1;
}

static u64 fnv1a(const u8 *p, u64 n)
{
	u64 h = FNV_OFFSET;

	while (n--)
		h = (h ^ *p++) * FNV_PRIME;
	return h;
}

int main(void)
{
	bool read_only = virtio_device_features(BLK_BASE) & VIRTIO_BLK_F_RO;
	u32 wanted = VIRTIO_BLK_F_FLUSH | (read_only ? VIRTIO_BLK_F_RO : 0);

	if (!check(virtio_init(BLK_BASE, VIRTIO_ID_BLOCK, wanted),
		   "virtio-blk found at 0x%llx, VERSION_1 and FLUSH agreed%s", BLK_BASE,
		   read_only ? " (read-only disk)" : ""))
		return summary();
	u64 capacity = virtio_config32(BLK_BASE, 0) | (u64)virtio_config32(BLK_BASE, 4) << 32;
	check(capacity >= FIRST_SECTOR + SECTORS, "capacity %lu sectors", capacity);
	check(virtio_queue_init(&q, BLK_BASE, 0), "queue 0 set up with %d entries", VIRTQ_SIZE);
	virtio_driver_ok(BLK_BASE);

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 7 + i / SECTOR_SIZE);
	u64 written = fnv1a(data, sizeof(data));
	if (read_only) {
		check(request(VIRTIO_BLK_T_OUT, FIRST_SECTOR, sizeof(data)) == VIRTIO_BLK_S_IOERR,
		      "a write to the read-only disk -> VIRTIO_BLK_S_IOERR");
		check(request(VIRTIO_BLK_T_IN, 0, sizeof(data)) == VIRTIO_BLK_S_OK,
		      "a read from the read-only disk -> VIRTIO_BLK_S_OK");
		return summary();
	}
	check(request(VIRTIO_BLK_T_OUT, FIRST_SECTOR, sizeof(data)) == VIRTIO_BLK_S_OK,
	      "wrote %d sectors at sector %d", SECTORS, FIRST_SECTOR);
	check(request(VIRTIO_BLK_T_FLUSH, 0, 0) == VIRTIO_BLK_S_OK, "flush -> VIRTIO_BLK_S_OK");
	memset(data, 0, sizeof(data));
	check(request(VIRTIO_BLK_T_IN, FIRST_SECTOR, sizeof(data)) == VIRTIO_BLK_S_OK,
	      "read them back");
	u64 read = fnv1a(data, sizeof(data));
	check(read == written, "checksum of what was read 0x%lx = of what was written 0x%lx",
	      read, written);
	check(request(VIRTIO_BLK_T_IN, capacity, SECTOR_SIZE) == VIRTIO_BLK_S_IOERR,
	      "a read past the end of the disk -> VIRTIO_BLK_S_IOERR");
	check(request(VIRTIO_BLK_T_UNKNOWN, 0, SECTOR_SIZE) == VIRTIO_BLK_S_UNSUPP,
	      "an unknown request type -> VIRTIO_BLK_S_UNSUPP");
	return summary();
}
