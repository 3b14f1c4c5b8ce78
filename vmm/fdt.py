"""A flattened device tree (FDT, the DTB format of the Devicetree
Specification, chapter 5) read into nodes and properties, edited, and
written back: enough to derive a guest's DTB from the board's (the
harness, for the EL2 hypervisor's Linux guest) or to write one from
nothing (the VMM's arm64 board, vmm/arch/arm64.py). Written by hand, with
Python's standard library only (the VMM runs on Debian's bare Python),
because the format is part of the lesson: a hypervisor describes the
machine it gives a guest. tests/test_linux_files.py has dtc, the reference
tool, read back what it writes."""
import struct
from dataclasses import dataclass, field

FDT_MAGIC = 0xd00dfeed
FDT_VERSION = 17
FDT_LAST_COMP_VERSION = 16
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9
HEADER = struct.Struct(">10I")          # magic ... size_dt_struct
HEADER_SIZE = HEADER.size
TOKEN = struct.Struct(">I")
PROP = struct.Struct(">II")             # len, nameoff
RESERVE_ENTRY = struct.Struct(">QQ")
ALIGN = 4


def _align(n: int) -> int:
    return (n + ALIGN - 1) & ~(ALIGN - 1)


@dataclass
class Node:
    name: str
    props: dict[str, bytes] = field(default_factory=dict)
    children: list["Node"] = field(default_factory=list)

    def child(self, name: str) -> "Node | None":
        return next((c for c in self.children if c.name == name), None)

    def find(self, path: str) -> "Node | None":
        node = self
        for part in [p for p in path.split("/") if p]:
            node = node.child(part)
            if node is None:
                return None
        return node

    def add_child(self, name: str) -> "Node":
        node = self.child(name) or Node(name)
        if node not in self.children:
            self.children.append(node)
        return node

    def string(self, prop: str) -> str | None:
        value = self.props.get(prop)
        return value.rstrip(b"\0").decode() if value is not None else None


def cells(*values: int) -> bytes:
    """A property of 32-bit big-endian cells."""
    return b"".join(struct.pack(">I", v) for v in values)


def u64_cells(*values: int) -> bytes:
    """Each value as two cells (#address-cells = #size-cells = 2)."""
    return b"".join(struct.pack(">Q", v) for v in values)


def string(text: str) -> bytes:
    return text.encode() + b"\0"


def parse(blob: bytes) -> Node:
    (magic, _total, off_struct, off_strings, _off_rsv, version, _last, _cpu,
     _size_strings, size_struct) = HEADER.unpack_from(blob)
    if magic != FDT_MAGIC or version < FDT_LAST_COMP_VERSION:
        raise ValueError(f"not a flattened device tree (magic 0x{magic:x}, version {version})")

    def name_at(offset: int) -> str:
        end = blob.index(b"\0", off_strings + offset)
        return blob[off_strings + offset:end].decode()

    pos, stack, root = off_struct, [], None
    while pos < off_struct + size_struct:
        (token,) = TOKEN.unpack_from(blob, pos)
        pos += TOKEN.size
        if token == FDT_BEGIN_NODE:
            end = blob.index(b"\0", pos)
            node = Node(blob[pos:end].decode())
            pos = _align(end + 1)
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
            stack.append(node)
        elif token == FDT_END_NODE:
            stack.pop()
        elif token == FDT_PROP:
            length, nameoff = PROP.unpack_from(blob, pos)
            pos += PROP.size
            stack[-1].props[name_at(nameoff)] = blob[pos:pos + length]
            pos = _align(pos + length)
        elif token == FDT_END:
            break
        elif token != FDT_NOP:
            raise ValueError(f"bad FDT token {token} at offset {pos - TOKEN.size}")
    if root is None:
        raise ValueError("FDT without a root node")
    return root


def serialize(root: Node, boot_cpuid: int = 0) -> bytes:
    strings, offsets, struct_ = bytearray(), {}, bytearray()

    def name_offset(name: str) -> int:
        if name not in offsets:
            offsets[name] = len(strings)
            strings.extend(name.encode() + b"\0")
        return offsets[name]

    def emit(node: Node) -> None:
        struct_.extend(TOKEN.pack(FDT_BEGIN_NODE))
        name = node.name.encode() + b"\0"
        struct_.extend(name + b"\0" * (_align(len(name)) - len(name)))
        for prop, value in node.props.items():
            struct_.extend(TOKEN.pack(FDT_PROP) + PROP.pack(len(value), name_offset(prop)))
            struct_.extend(value + b"\0" * (_align(len(value)) - len(value)))
        for c in node.children:
            emit(c)
        struct_.extend(TOKEN.pack(FDT_END_NODE))

    emit(root)
    struct_.extend(TOKEN.pack(FDT_END))
    off_rsv = _align(HEADER_SIZE)
    reserve = RESERVE_ENTRY.pack(0, 0)                  # an empty reservation map
    off_struct = off_rsv + len(reserve)
    off_strings = off_struct + len(struct_)
    total = off_strings + len(strings)
    header = HEADER.pack(FDT_MAGIC, total, off_struct, off_strings, off_rsv, FDT_VERSION,
                         FDT_LAST_COMP_VERSION, boot_cpuid, len(strings), len(struct_))
    return header + b"\0" * (off_rsv - HEADER_SIZE) + reserve + bytes(struct_) + bytes(strings)
