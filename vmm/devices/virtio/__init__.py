"""virtio (OASIS virtio 1.x): devices whose requests travel through rings in
guest memory, so one notification can carry many requests. mmio.py is the
transport (its registers), queue.py the split virtqueue, blk.py and
console.py two device types."""

# Device status bits (virtio 1.x, 2.1)
ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK = 1, 2, 4, 8
DEVICE_NEEDS_RESET, FAILED = 64, 128
# Reserved feature bits (6)
VIRTIO_F_VERSION_1 = 32


class DeviceModel:
    """What a device type gives its transport: its ID, features, config
    space and queues, and what to do when a queue has new requests."""
    device_id = 0
    queue_count = 1
    features = 1 << VIRTIO_F_VERSION_1

    def __init__(self, threaded: bool):
        self.threaded = threaded        # notifications by ioeventfd, served on a thread
        self.transport = None

    def config(self) -> bytes:
        return b""

    def process(self, queue) -> bool:
        """Serve every available request of `queue`; True if any was used.
        Raises VirtqueueError when the driver broke the rules."""
        raise NotImplementedError

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass
