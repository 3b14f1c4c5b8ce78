"""Guest RAM: one anonymous mmap in this process, handed to KVM as a memory
slot (KVM_SET_USER_MEMORY_REGION). The guest's physical address 0 is byte 0
of the mapping; the VMM reads and writes guest memory through it, every
access checked against its bounds first (a guest pointer is never trusted)."""
import ctypes
import mmap

from . import kvm


class Memory:
    def __init__(self, size: int, base: int = 0):
        self.base, self.size = base, size
        self.map = mmap.mmap(-1, size, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                             mmap.PROT_READ | mmap.PROT_WRITE)
        self.host_address = ctypes.addressof(ctypes.c_char.from_buffer(self.map))

    def register(self, vm_fd: int, slot: int = 0) -> None:
        region = kvm.kvm_userspace_memory_region(slot=slot, guest_phys_addr=self.base,
                                                 memory_size=self.size,
                                                 userspace_addr=self.host_address)
        kvm.ioctl(vm_fd, kvm.KVM_SET_USER_MEMORY_REGION, region, "KVM_SET_USER_MEMORY_REGION")

    def contains(self, gpa: int, length: int) -> bool:
        return self.base <= gpa and length <= self.size and gpa - self.base <= self.size - length

    def read(self, gpa: int, length: int) -> bytes | None:
        """`length` bytes at guest-physical `gpa`, or None if any is outside RAM."""
        if not self.contains(gpa, length):
            return None
        offset = gpa - self.base
        return self.map[offset:offset + length]

    def write(self, gpa: int, data: bytes) -> bool:
        if not self.contains(gpa, len(data)):
            return False
        offset = gpa - self.base
        self.map[offset:offset + len(data)] = data
        return True

    def view(self, gpa: int, length: int) -> memoryview | None:
        """A window onto guest RAM, without a copy (virtqueues use it)."""
        if not self.contains(gpa, length):
            return None
        offset = gpa - self.base
        return memoryview(self.map)[offset:offset + length]
