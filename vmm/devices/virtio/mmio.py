"""The virtio-mmio transport, version 2 (virtio 1.x, 4.2): a device's
registers at a guest-physical address, one interrupt line. The driver finds
the device (MagicValue, Version, DeviceID), negotiates features, tells us
where each queue's three areas are, and writes QueueNotify when it has
added requests. That notification reaches the device one of two ways:
  mmio       the store exits to the VMM (KVM_EXIT_MMIO); the vCPU's thread
             serves the queue before the guest runs on, and raises the
             interrupt with KVM_IRQ_LINE;
  ioeventfd  KVM turns the store into an eventfd signal in the kernel and
             resumes the guest at once; a device thread wakes, serves the
             queue, and raises the interrupt through an irqfd.
The lesson's numbers (docs/io-lesson.md) are the difference."""
import os
import select
import struct
import threading

from ... import vconsole
from .. import MMIO, Device
from . import DEVICE_NEEDS_RESET, FEATURES_OK, VIRTIO_F_VERSION_1
from .queue import QUEUE_NUM_MAX, Virtqueue, VirtqueueError

MAGIC_VALUE = 0x74726976                # "virt"
VERSION = 2
VENDOR_ID = 0x554d4551                  # "QEMU", as most virtio-mmio devices say
# register offsets (4.2.2)
MAGIC, VERSION_REG, DEVICE_ID, VENDOR = 0x000, 0x004, 0x008, 0x00c
DEVICE_FEATURES, DEVICE_FEATURES_SEL = 0x010, 0x014
DRIVER_FEATURES, DRIVER_FEATURES_SEL = 0x020, 0x024
QUEUE_SEL, QUEUE_NUM_MAX_REG, QUEUE_NUM, QUEUE_READY = 0x030, 0x034, 0x038, 0x044
QUEUE_NOTIFY = 0x050
INTERRUPT_STATUS, INTERRUPT_ACK = 0x060, 0x064
STATUS = 0x070
QUEUE_DESC_LOW, QUEUE_DESC_HIGH = 0x080, 0x084
QUEUE_DRIVER_LOW, QUEUE_DRIVER_HIGH = 0x090, 0x094
QUEUE_DEVICE_LOW, QUEUE_DEVICE_HIGH = 0x0a0, 0x0a4
CONFIG_GENERATION = 0x0fc
CONFIG = 0x100
VIRTIO_MMIO_INT_VRING, VIRTIO_MMIO_INT_CONFIG = 1 << 0, 1 << 1
QUEUE_ADDRESS = {QUEUE_DESC_LOW: ("desc", 0), QUEUE_DESC_HIGH: ("desc", 32),
                 QUEUE_DRIVER_LOW: ("driver", 0), QUEUE_DRIVER_HIGH: ("driver", 32),
                 QUEUE_DEVICE_LOW: ("device", 0), QUEUE_DEVICE_HIGH: ("device", 32)}


class VirtioMmio(Device):
    space = MMIO
    size = 0x200

    def __init__(self, model, base: int, irq: int):
        super().__init__(base)
        self.model, self.irq = model, irq
        self.name = f"virtio-{type(model).__name__.lower().removeprefix('virtio')}"
        model.transport = self
        self.lock = threading.RLock()   # the vCPU thread and the device thread
        self.queues = [Virtqueue(i) for i in range(model.queue_count)]
        self.eventfds, self.irq_eventfd, self.thread = [], None, None
        self.reset()

    def reset(self) -> None:
        self.status = self.interrupt_status = 0
        self.device_features_sel = self.driver_features_sel = self.queue_sel = 0
        self.driver_features = 0
        for q in self.queues:
            q.reset()
        self.model.reset()

    # -- registers -----------------------------------------------------------------
    def read(self, offset: int, size: int) -> int:
        with self.lock:
            if offset >= CONFIG:
                config = self.model.config()
                return int.from_bytes(config[offset - CONFIG:offset - CONFIG + size], "little")
            q = self._queue()
            return {MAGIC: MAGIC_VALUE, VERSION_REG: VERSION, DEVICE_ID: self.model.device_id,
                    VENDOR: VENDOR_ID,
                    DEVICE_FEATURES: (self.model.features >> (32 * self.device_features_sel))
                    & 0xffffffff if self.device_features_sel < 2 else 0,
                    QUEUE_NUM_MAX_REG: QUEUE_NUM_MAX if q else 0,
                    QUEUE_READY: int(q.ready) if q else 0,
                    INTERRUPT_STATUS: self.interrupt_status, STATUS: self.status,
                    CONFIG_GENERATION: 0}.get(offset, 0)

    def write(self, offset: int, size: int, value: int) -> None:
        with self.lock:
            q = self._queue()
            if offset == DEVICE_FEATURES_SEL:
                self.device_features_sel = value
            elif offset == DRIVER_FEATURES_SEL:
                self.driver_features_sel = value
            elif offset == DRIVER_FEATURES and self.driver_features_sel < 2:
                shift = 32 * self.driver_features_sel
                self.driver_features = (self.driver_features & ~(0xffffffff << shift)) | value << shift
            elif offset == QUEUE_SEL:
                self.queue_sel = value
            elif offset == QUEUE_NUM and q:
                q.num = value if 0 < value <= QUEUE_NUM_MAX else q.num
            elif offset in QUEUE_ADDRESS and q:
                field, shift = QUEUE_ADDRESS[offset]
                old = getattr(q, field)
                setattr(q, field, (old & ~(0xffffffff << shift)) | value << shift)
            elif offset == QUEUE_READY and q:
                q.ready = bool(value & 1)
            elif offset == QUEUE_NOTIFY:
                self.notify(value)
            elif offset == INTERRUPT_ACK:
                self.interrupt_status &= ~value
                self._update_irq()
            elif offset == STATUS:
                self._write_status(value)

    def _queue(self):
        return self.queues[self.queue_sel] if self.queue_sel < len(self.queues) else None

    def _write_status(self, value: int) -> None:
        if value == 0:
            self.reset()
            self._update_irq()
            return
        if value & FEATURES_OK and not self.status & FEATURES_OK:
            offered = self.model.features
            if self.driver_features & ~offered or not self.driver_features >> VIRTIO_F_VERSION_1 & 1:
                value &= ~FEATURES_OK           # the driver reads it back and gives up
        self.status = value

    # -- requests ----------------------------------------------------------------------
    def notify(self, index: int) -> None:
        """QueueNotify, by MMIO exit (or from the device thread)."""
        with self.lock:
            if index >= len(self.queues) or not self.queues[index].ready or \
                    self.status & DEVICE_NEEDS_RESET:
                return
            try:
                used = self.model.process(self.queues[index])
            except VirtqueueError as e:
                self.needs_reset(str(e))
                return
            if used:
                self.interrupt(VIRTIO_MMIO_INT_VRING)

    def needs_reset(self, why: str) -> None:
        """The driver broke the rules: tell it (DEVICE_NEEDS_RESET and a
        configuration-change interrupt), touch nothing more until it resets."""
        self.status |= DEVICE_NEEDS_RESET
        vconsole.hv(f"vm '{self.vm.name}' {self.name}: {why}: DEVICE_NEEDS_RESET")
        self.interrupt(VIRTIO_MMIO_INT_CONFIG)

    def interrupt(self, reason: int) -> None:
        self.interrupt_status |= reason
        if self.irq_eventfd is not None:
            os.eventfd_write(self.irq_eventfd, 1)      # irqfd: KVM raises the line itself
        else:
            self._update_irq()

    def _update_irq(self) -> None:
        if self.irq_eventfd is None:
            self.vm.irq_line(self.irq, int(self.interrupt_status != 0))

    # -- the ioeventfd side ----------------------------------------------------------------
    def start(self) -> None:
        if not self.model.threaded:
            return
        self.irq_eventfd = os.eventfd(0, os.EFD_CLOEXEC)
        self.vm.irqfd(self.irq_eventfd, self.irq)
        self.stop_fd = os.eventfd(0, os.EFD_CLOEXEC)
        for q in self.queues:
            fd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
            self.vm.ioeventfd(fd, self.base + QUEUE_NOTIFY, 4, datamatch=q.index)
            self.eventfds.append(fd)
        self.thread = threading.Thread(target=self._serve, name=f"{self.vm.name}/{self.name}",
                                       daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        """The device thread: sleep until a queue's eventfd fires, serve it."""
        while True:
            ready, _, _ = select.select(self.eventfds + [self.stop_fd], [], [])
            if self.stop_fd in ready:
                return
            for fd in ready:
                os.eventfd_read(fd)
                self.notify(self.eventfds.index(fd))

    def stop(self) -> None:
        if self.thread:
            os.eventfd_write(self.stop_fd, 1)
            self.thread.join()
        self.model.close()
