"""virtio-blk (virtio 1.x, 5.2): a disk backed by a raw image file. Each
request is one descriptor chain: a 16-byte header the device reads (type,
reserved, sector), data buffers, and one status byte the device writes.
Supported: IN (read), OUT (write), FLUSH (fsync), GET_ID; a read-only disk
offers VIRTIO_BLK_F_RO and fails writes with VIRTIO_BLK_S_IOERR."""
import os
import struct
from pathlib import Path

from . import DeviceModel
from .queue import VirtqueueError

VIRTIO_ID_BLOCK = 2
VIRTIO_BLK_F_RO, VIRTIO_BLK_F_FLUSH = 5, 9
VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID = 0, 1, 4, 8
VIRTIO_BLK_S_OK, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_UNSUPP = 0, 1, 2
SECTOR_SIZE = 512
VIRTIO_BLK_ID_BYTES = 20
HEADER = struct.Struct("<IIQ")          # struct virtio_blk_req: type, reserved, sector


class DiskError(Exception):
    """A disk image that cannot be used: one line."""


class VirtioBlk(DeviceModel):
    device_id = VIRTIO_ID_BLOCK
    queue_count = 1

    def __init__(self, path: Path, read_only: bool = False, threaded: bool = True):
        super().__init__(threaded)
        self.path, self.read_only = Path(path), read_only
        try:
            self.fd = os.open(self.path, (os.O_RDONLY if read_only else os.O_RDWR) | os.O_CLOEXEC)
        except OSError as e:
            raise DiskError(f"--disk {path}: {e.strerror}") from None
        size = os.fstat(self.fd).st_size
        if size % SECTOR_SIZE:
            os.close(self.fd)
            raise DiskError(f"--disk {path}: {size} bytes is not a whole number of "
                            f"{SECTOR_SIZE}-byte sectors")
        self.sectors = size // SECTOR_SIZE
        self.features |= 1 << VIRTIO_BLK_F_FLUSH | (1 << VIRTIO_BLK_F_RO if read_only else 0)

    def config(self) -> bytes:
        return struct.pack("<Q", self.sectors)           # capacity, in 512-byte sectors

    def process(self, queue) -> bool:
        memory, used = self.transport.vm.memory, False
        while (request := queue.pop(memory)) is not None:
            head, buffers = request
            written = self.request(memory, queue.index, buffers)
            queue.push(memory, head, written)
            used = True
        return used

    def request(self, memory, index: int, buffers) -> int:
        """Serve one request; the bytes written into the driver's buffers."""
        if len(buffers) < 2 or buffers[0].writable or buffers[0].length < HEADER.size or \
                not buffers[-1].writable or buffers[-1].length < 1:
            raise VirtqueueError(f"queue {index}: a request is a readable header, data, and a "
                                 f"writable status byte")
        kind, _, sector = HEADER.unpack(memory.read(buffers[0].addr, HEADER.size))
        data, status = buffers[1:-1], buffers[-1]
        written, result = 0, VIRTIO_BLK_S_OK
        if kind in (VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT):
            want_writable = kind == VIRTIO_BLK_T_IN
            length = sum(b.length for b in data)
            if any(b.writable != want_writable for b in data) or length % SECTOR_SIZE:
                result = VIRTIO_BLK_S_IOERR
            elif sector + length // SECTOR_SIZE > self.sectors:
                result = VIRTIO_BLK_S_IOERR                    # past the end of the disk
            elif kind == VIRTIO_BLK_T_OUT and self.read_only:
                result = VIRTIO_BLK_S_IOERR
            else:
                offset = sector * SECTOR_SIZE
                for b in data:
                    if want_writable:
                        memory.write(b.addr, os.pread(self.fd, b.length, offset))
                        written += b.length
                    else:
                        os.pwrite(self.fd, memory.read(b.addr, b.length), offset)
                    offset += b.length
        elif kind == VIRTIO_BLK_T_FLUSH:
            if not self.read_only:
                os.fsync(self.fd)
        elif kind == VIRTIO_BLK_T_GET_ID and data and data[0].writable:
            ident = self.path.name.encode()[:VIRTIO_BLK_ID_BYTES].ljust(VIRTIO_BLK_ID_BYTES, b"\0")
            memory.write(data[0].addr, ident[:data[0].length])
            written += min(data[0].length, VIRTIO_BLK_ID_BYTES)
        else:
            result = VIRTIO_BLK_S_UNSUPP
        memory.write(status.addr, bytes([result]))
        return written + 1

    def close(self) -> None:
        os.close(self.fd)
