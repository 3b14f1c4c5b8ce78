"""ACPI tables: how a PC with no PCI bus tells Linux where its devices are.
Debian's kernel finds virtio-mmio devices only through ACPI (or a device
tree), so the VMM writes, at 0xe0000 where firmware would:
  RSDP -> XSDT -> FADT  a PC's: PM1a blocks at QEMU's ports, SCI on IRQ 9
                  MADT  the local APIC and the IOAPIC of KVM's in-kernel irqchip
                  DSDT  AML: one Device per virtio-mmio transport, _HID
                        "LNRO0005", its registers and interrupt in _CRS
Hand-written on purpose: the byte layout is the lesson (ACPI 6.x, 5.2 and
the AML grammar of 20.2)."""
import struct

TABLES_BASE = 0xe_0000          # in the BIOS area, reserved in the e820 map
OEM_ID, OEM_TABLE_ID, CREATOR_ID = b"LABVMM", b"VMMTABLE", b"LVMM"
LOCAL_APIC_BASE, IOAPIC_BASE = 0xfee0_0000, 0xfec0_0000
FADT_REVISION, FADT_MINOR = 6, 4
FADT_LENGTH = 276
FADT_WBINVD = 1 << 0           # (not hardware-reduced: Linux then keeps the 8259 PICs)
FADT_OFF_DSDT, FADT_OFF_FLAGS, FADT_OFF_IAPC_BOOT_ARCH = 40, 112, 109
FADT_OFF_SCI_INT, FADT_OFF_PM1A_EVT_BLK, FADT_OFF_PM1A_CNT_BLK = 46, 56, 64
FADT_OFF_PM1_EVT_LEN, FADT_OFF_PM1_CNT_LEN = 88, 89
SCI_IRQ = 9
SLP_TYP_S5 = 5                  # what \_S5 says to write into PM1a_CNT.SLP_TYP
FADT_OFF_MINOR, FADT_OFF_X_DSDT = 131, 140
IAPC_BOOT_ARCH_LEGACY_DEVICES = 1 << 0
IAPC_BOOT_ARCH_8042 = 1 << 1
IAPC_BOOT_ARCH_VGA_NOT_PRESENT = 1 << 2
IAPC_BOOT_ARCH_CMOS_RTC_NOT_PRESENT = 1 << 5
MADT_PCAT_COMPAT = 1 << 0       # there are 8259 PICs too
MADT_LOCAL_APIC, MADT_IO_APIC, MADT_INTERRUPT_OVERRIDE = 0, 1, 2
LOCAL_APIC_ENABLED = 1
PIT_IRQ, PIT_GSI = 0, 2         # a PC's timer: ISA IRQ 0 is IOAPIC input 2

# AML (ACPI 20.2)
AML_SCOPE, AML_NAME, AML_BUFFER, AML_PACKAGE, AML_STRING = 0x10, 0x08, 0x11, 0x12, 0x0d
AML_DEVICE = b"\x5b\x82"
AML_BYTE, AML_WORD, AML_DWORD = 0x0a, 0x0b, 0x0c
AML_ROOT = b"\\"
# resource descriptors (6.4)
MEMORY32_FIXED, EXTENDED_INTERRUPT, END_TAG = 0x86, 0x89, 0x79
READ_WRITE = 1
INTERRUPT_CONSUMER, INTERRUPT_EDGE = 1 << 0, 1 << 1      # active-high, exclusive


def checksum(data: bytes) -> int:
    return -sum(data) & 0xff


def table(signature: bytes, revision: int, body: bytes) -> bytes:
    """A system description table: the 36-byte header, then `body`."""
    header = struct.pack("<4sIBB6s8sI4sI", signature, 36 + len(body), revision, 0, OEM_ID,
                         OEM_TABLE_ID, 1, CREATOR_ID, 1)
    data = bytearray(header + body)
    data[9] = checksum(data)
    return bytes(data)


def pkg_length(body: int) -> bytes:
    """AML PkgLength: the length of what follows, itself included."""
    for extra in range(4):
        total = body + 1 + extra
        if extra == 0 and total < 0x40:
            return bytes([total])
        if extra and total < 1 << (4 + 8 * extra):
            return bytes([extra << 6 | total & 0xf] +
                         [total >> (4 + 8 * i) & 0xff for i in range(extra)])
    raise ValueError("AML package too long")


def aml_package(opcode: bytes, body: bytes) -> bytes:
    return opcode + pkg_length(len(body)) + body


def aml_integer(value: int) -> bytes:
    return bytes([AML_BYTE, value]) if value < 0x100 else \
        bytes([AML_DWORD]) + struct.pack("<I", value)


def aml_name(name: bytes, value: bytes) -> bytes:
    return bytes([AML_NAME]) + name + value


def aml_string(text: str) -> bytes:
    return bytes([AML_STRING]) + text.encode() + b"\0"


def aml_buffer(data: bytes) -> bytes:
    return aml_package(bytes([AML_BUFFER]), aml_integer(len(data)) + data)


def virtio_device(index: int, base: int, size: int, irq: int) -> bytes:
    """Device (VRnn) { _HID "LNRO0005", _UID, _CRS: registers and interrupt }."""
    resources = (struct.pack("<BHBII", MEMORY32_FIXED, 9, READ_WRITE, base, size) +
                 struct.pack("<BHBBI", EXTENDED_INTERRUPT, 6, INTERRUPT_CONSUMER | INTERRUPT_EDGE,
                             1, irq) +
                 bytes([END_TAG, 0]))
    body = (f"VR{index:02X}".encode() + aml_name(b"_HID", aml_string("LNRO0005")) +
            aml_name(b"_UID", aml_integer(index)) + aml_name(b"_CRS", aml_buffer(resources)))
    return aml_package(AML_DEVICE, body)


def sleep_state_s5() -> bytes:
    """Name (\\_S5, Package () { 5, 5, 0, 0 }): the SLP_TYP values for soft-off."""
    elements = aml_integer(SLP_TYP_S5) * 2 + b"\0\0"
    return aml_name(AML_ROOT + b"_S5_", aml_package(bytes([AML_PACKAGE]), bytes([4]) + elements))


def dsdt(virtio: list[tuple[int, int, int]]) -> bytes:
    devices = b"".join(virtio_device(i, *d) for i, d in enumerate(virtio))
    return table(b"DSDT", 2, sleep_state_s5() +
                 aml_package(bytes([AML_SCOPE]), AML_ROOT + b"_SB_" + devices))


def fadt(dsdt_address: int) -> bytes:
    from ..devices.poweroff import PM1A_CNT_BLK, PM1A_EVT_BLK, PM1_CNT_LEN, PM1_EVT_LEN
    body = bytearray(FADT_LENGTH - 36)
    struct.pack_into("<I", body, FADT_OFF_DSDT - 36, dsdt_address)
    struct.pack_into("<H", body, FADT_OFF_SCI_INT - 36, SCI_IRQ)
    struct.pack_into("<I", body, FADT_OFF_PM1A_EVT_BLK - 36, PM1A_EVT_BLK)
    struct.pack_into("<I", body, FADT_OFF_PM1A_CNT_BLK - 36, PM1A_CNT_BLK)
    body[FADT_OFF_PM1_EVT_LEN - 36], body[FADT_OFF_PM1_CNT_LEN - 36] = PM1_EVT_LEN, PM1_CNT_LEN
    struct.pack_into("<H", body, FADT_OFF_IAPC_BOOT_ARCH - 36, IAPC_BOOT_ARCH_LEGACY_DEVICES |
                     IAPC_BOOT_ARCH_8042 | IAPC_BOOT_ARCH_VGA_NOT_PRESENT |
                     IAPC_BOOT_ARCH_CMOS_RTC_NOT_PRESENT)
    struct.pack_into("<I", body, FADT_OFF_FLAGS - 36, FADT_WBINVD)
    body[FADT_OFF_MINOR - 36] = FADT_MINOR
    struct.pack_into("<Q", body, FADT_OFF_X_DSDT - 36, dsdt_address)
    return table(b"FACP", FADT_REVISION, bytes(body))


def madt(cpus: int) -> bytes:
    body = struct.pack("<II", LOCAL_APIC_BASE, MADT_PCAT_COMPAT)
    for cpu in range(cpus):
        body += struct.pack("<BBBBI", MADT_LOCAL_APIC, 8, cpu, cpu, LOCAL_APIC_ENABLED)
    body += struct.pack("<BBBBII", MADT_IO_APIC, 12, cpus, 0, IOAPIC_BASE, 0)
    body += struct.pack("<BBBBIH", MADT_INTERRUPT_OVERRIDE, 10, 0, PIT_IRQ, PIT_GSI, 0)
    return table(b"APIC", 5, body)


def write_tables(memory, virtio: list[tuple[int, int, int]], cpus: int = 1) -> int:
    """Lay the tables out from TABLES_BASE; returns the RSDP's address."""
    rsdp_at = TABLES_BASE
    place, blobs = TABLES_BASE + 64, {}

    def put(name, data):
        nonlocal place
        blobs[name] = place
        memory.write(place, data)
        place = (place + len(data) + 15) & ~15
        return blobs[name]

    dsdt_at = put("DSDT", dsdt(virtio))
    entries = [put("FACP", fadt(dsdt_at)), put("APIC", madt(cpus))]
    xsdt_at = put("XSDT", table(b"XSDT", 1, struct.pack(f"<{len(entries)}Q", *entries)))
    rsdp = bytearray(struct.pack("<8sB6sBIIQB3s", b"RSD PTR ", 0, OEM_ID, 2, 0, 36, xsdt_at, 0,
                                 b"\0\0\0"))
    rsdp[8] = checksum(rsdp[:20])
    rsdp[32] = checksum(rsdp)
    memory.write(rsdp_at, bytes(rsdp))
    return rsdp_at
