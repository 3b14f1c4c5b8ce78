"""The split virtqueue (virtio 1.x, 2.7): three areas in guest memory that
the driver allocates and the device only reads and writes through checks.
  descriptor table  16 bytes each: addr u64, len u32, flags u16, next u16
  available ring    flags u16, idx u16, ring[num] u16     (driver -> device)
  used ring         flags u16, idx u16, ring[num] {id u32, len u32}
A chain's buffers are device-readable, then device-writable. Anything the
driver gets wrong (a buffer outside guest RAM, a chain that loops or is
longer than the queue, an index that runs more than a queue ahead) raises
VirtqueueError; the transport then sets DEVICE_NEEDS_RESET, and the VMM
goes on."""
import struct
from dataclasses import dataclass

VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT = 1, 2, 4
DESC_SIZE, RING_HEADER, USED_ELEM_SIZE = 16, 4, 8
QUEUE_NUM_MAX = 256


class VirtqueueError(Exception):
    """The driver broke the virtqueue rules: the device needs a reset."""


@dataclass
class Buffer:
    addr: int
    length: int
    writable: bool


class Virtqueue:
    def __init__(self, index: int):
        self.index = index
        self.reset()

    def reset(self) -> None:
        self.num, self.ready = QUEUE_NUM_MAX, False
        self.desc, self.driver, self.device = 0, 0, 0    # the three areas' guest addresses
        self.last_avail = 0                              # next available entry to serve

    # -- reading guest memory, always checked ------------------------------------
    def _read(self, memory, gpa: int, length: int, what: str) -> bytes:
        data = memory.read(gpa, length)
        if data is None:
            raise VirtqueueError(f"queue {self.index}: {what} at 0x{gpa:x} (+{length}) is "
                                 f"outside guest memory")
        return data

    def pop(self, memory) -> tuple[int, list[Buffer]] | None:
        """The next available chain: (head index, buffers), or None."""
        avail_idx = struct.unpack("<H", self._read(memory, self.driver + 2, 2, "avail.idx"))[0]
        pending = (avail_idx - self.last_avail) & 0xffff
        if pending == 0:
            return None
        if pending > self.num:
            raise VirtqueueError(f"queue {self.index}: avail.idx {avail_idx} is {pending} "
                                 f"entries ahead of the device, but the queue holds {self.num}")
        slot = RING_HEADER + 2 * (self.last_avail % self.num)
        head = struct.unpack("<H", self._read(memory, self.driver + slot, 2, "avail.ring"))[0]
        self.last_avail = (self.last_avail + 1) & 0xffff
        return head, self.chain(memory, head)

    def chain(self, memory, head: int) -> list[Buffer]:
        buffers, index, seen_writable = [], head, False
        for _ in range(self.num):
            if index >= self.num:
                raise VirtqueueError(f"queue {self.index}: descriptor {index} past the table's "
                                     f"{self.num} entries")
            addr, length, flags, nxt = struct.unpack(
                "<QIHH", self._read(memory, self.desc + DESC_SIZE * index, DESC_SIZE, "descriptor"))
            if flags & VIRTQ_DESC_F_INDIRECT:
                raise VirtqueueError(f"queue {self.index}: indirect descriptor, not negotiated")
            if not memory.contains(addr, length):
                raise VirtqueueError(f"queue {self.index}: descriptor {index} points outside "
                                     f"guest memory (0x{addr:x}, {length} bytes)")
            writable = bool(flags & VIRTQ_DESC_F_WRITE)
            if seen_writable and not writable:
                raise VirtqueueError(f"queue {self.index}: a device-readable buffer after a "
                                     f"device-writable one")
            seen_writable |= writable
            buffers.append(Buffer(addr, length, writable))
            if not flags & VIRTQ_DESC_F_NEXT:
                return buffers
            index = nxt
        raise VirtqueueError(f"queue {self.index}: descriptor chain from {head} is longer than "
                             f"the queue ({self.num} entries): it loops")

    def push(self, memory, head: int, written: int) -> None:
        """Return a chain to the driver: used.ring[used.idx] = (head, written), idx + 1."""
        idx = struct.unpack("<H", self._read(memory, self.device + 2, 2, "used.idx"))[0]
        elem = self.device + RING_HEADER + USED_ELEM_SIZE * (idx % self.num)
        if not memory.write(elem, struct.pack("<II", head, written)) or \
                not memory.write(self.device + 2, struct.pack("<H", (idx + 1) & 0xffff)):
            raise VirtqueueError(f"queue {self.index}: used ring at 0x{self.device:x} is "
                                 f"outside guest memory")
