"""virtio-console (virtio 1.x, 5.3), one port and no optional features:
queue 0 is receiveq (host to guest), queue 1 transmitq (guest to host).
What the guest transmits goes to the VM's console, as the UART's bytes do,
but a whole buffer per request instead of one exit per byte. Nothing is
received yet: receiveq's buffers stay with the device."""
from . import DeviceModel
from .queue import VirtqueueError

VIRTIO_ID_CONSOLE = 3
RECEIVEQ, TRANSMITQ = 0, 1


class VirtioConsole(DeviceModel):
    device_id = VIRTIO_ID_CONSOLE
    queue_count = 2

    def config(self) -> bytes:
        return bytes(12)                    # cols, rows, max_nr_ports, emerg_wr: none offered

    def process(self, queue) -> bool:
        if queue.index != TRANSMITQ:
            return False
        vm, used = self.transport.vm, False
        while (request := queue.pop(vm.memory)) is not None:
            head, buffers = request
            for b in buffers:
                if b.writable:
                    raise VirtqueueError(f"queue {TRANSMITQ}: a transmit buffer the device "
                                         f"would write")
                for byte in vm.memory.read(b.addr, b.length):
                    vm.console.putc(byte)
            queue.push(vm.memory, head, 0)
            used = True
        return used
