"""The Linux guest's build steps without Linux: the newc cpio writer and the
device-tree editor, on small inputs made here."""
import os
import subprocess

import pytest

from harness import HarnessError, deps, linux
from vmm import fdt


def test_cpio_entries_are_newc_and_4_byte_aligned():
    archive = linux.cpio_archive([("init", 0o100755, b"#!/bin/sh\n"), ("bin", 0o40755, b"")])
    assert archive.startswith(b"070701")
    assert len(archive) % 4 == 0
    assert b"init\0" in archive and b"TRAILER!!!\0" in archive
    header = archive[:110].decode()
    assert int(header[54:62], 16) == len(b"#!/bin/sh\n")      # c_filesize
    assert int(header[94:102], 16) == len("init") + 1          # c_namesize


def board_tree() -> bytes:
    root = fdt.Node("", {"#address-cells": fdt.cells(2), "#size-cells": fdt.cells(2)})
    root.children = [
        fdt.Node("psci", {"method": fdt.string("hvc")}),
        fdt.Node("memory@40000000", {"reg": fdt.u64_cells(0x40000000, 0x20000000)}),
        fdt.Node("pcie@10000000"),
        fdt.Node("pl011@9000000"),
        fdt.Node("intc@8000000", children=[fdt.Node("its@8080000")]),
        fdt.Node("chosen", {"kaslr-seed": fdt.u64_cells(7)}),
    ]
    return fdt.serialize(root)


def test_fdt_round_trip():
    blob = board_tree()
    assert fdt.serialize(fdt.parse(blob)) == blob


def test_guest_dtb_keeps_only_the_guests_view():
    tree = fdt.parse(linux.guest_dtb(board_tree(), 0x40000000, 256 << 20,
                                     (0x4f000000, 0x4f100000), "console=ttyAMA0"))
    names = [n.name for n in tree.children]
    assert "pcie@10000000" not in names and "pl011@9000000" in names
    assert tree.find("memory@40000000").props["reg"] == fdt.u64_cells(0x40000000, 256 << 20)
    assert tree.find("intc@8000000").children == []
    assert tree.find("psci").string("method") == "smc"
    chosen = tree.find("chosen")
    assert chosen.string("bootargs") == "console=ttyAMA0"
    assert chosen.props["linux,initrd-start"] == fdt.u64_cells(0x4f000000)
    assert "kaslr-seed" not in chosen.props


def test_dtc_reads_back_what_the_fdt_writer_writes(tmp_path):
    """dtc (Debian's device-tree-compiler) decompiles our DTB to source and
    compiles it again: the tree it makes is the tree we wrote."""
    dtc = tool("dtc", "device-tree-compiler")
    ours = tmp_path / "guest.dtb"
    ours.write_bytes(linux.guest_dtb(board_tree(), 0x40000000, 256 << 20,
                                     (0x4f000000, 0x4f100000), "console=ttyAMA0"))
    source = subprocess.run([dtc, "-q", "-I", "dtb", "-O", "dts", str(ours)], check=True,
                            capture_output=True, text=True).stdout
    assert 'bootargs = "console=ttyAMA0";' in source
    assert "linux,initrd-start = <0x00 0x4f000000>;" in source
    theirs = subprocess.run([dtc, "-q", "-I", "dts", "-O", "dtb", "-"], input=source.encode(),
                            check=True, capture_output=True).stdout
    assert fdt.parse(theirs) == fdt.parse(ours.read_bytes())


def tool(program: str, package: str) -> str:
    """A program the test needs: installed as root, else skipped (failed under CI)."""
    try:
        deps.ensure_packages([package])
        return deps.require_program(program, package)
    except HarnessError as e:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(str(e))


def test_prepare_linux_says_it_needs_root(monkeypatch):
    monkeypatch.setattr(linux.os, "geteuid", lambda: 1000)
    with pytest.raises(HarnessError, match="prepare-linux needs root"):
        linux.prepare()
