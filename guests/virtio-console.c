/* virtio-console: a writer for the VMM's virtio-console device. Each line
 * goes out as one buffer on the transmit queue: one notification for the
 * whole line, where the UART takes an exit (or two) per byte. */
#include "guest.h"
#include "config.h"
#include "virtio.h"

#define CONSOLE_BASE	(GUEST_VIRTIO_BASE + 0x1000)	/* after the disk's slot */
#define TRANSMITQ	1
#define SPINS		100000000ULL
#define LINES		3

static struct virtq tx;
static char line[64];

static bool send(const char *text)
{
	unsigned n = strlen(text);

	memcpy(line, text, n);
	tx.desc[0] = (struct virtq_desc){ (u64)line, n, 0, 0 };
	virtq_submit(&tx, 0);
	return virtq_wait_used(&tx, SPINS);
}

int main(void)
{
	static const char *const text[LINES] = {
		"Hello through virtio-console: one buffer, one notification\n",
		"a second line, a second buffer\n",
		"and a third\n",
	};
	unsigned used = 0;

	if (!check(virtio_init(CONSOLE_BASE, VIRTIO_ID_CONSOLE, 0), "virtio-console found") ||
	    !check(virtio_queue_init(&tx, CONSOLE_BASE, TRANSMITQ), "transmitq set up"))
		return summary();
	virtio_driver_ok(CONSOLE_BASE);
	for (unsigned i = 0; i < LINES; i++)
		used += send(text[i]);
	check(used == LINES, "%u of %d buffers came back used", used, LINES);
	return summary();
}
