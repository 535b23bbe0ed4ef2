#!/usr/bin/env python3
"""Recompute an Ember program's image ID (ABI v1) from its ELF file, by hand.

    python3 docs/image_id.py guest.elf

Independent of Ember's code: the standard library only. It assumes the file is
a valid Ember program (ELF32, little-endian, RISC-V; see docs/abi.md) and
checks nothing else. `cargo xtask test` runs it on a checked-in ELF and
compares the result with `ember info`.
"""
import hashlib
import struct
import sys

PAGE = 4096
DEPTH = 20  # 2^20 pages of 4 KiB: the whole 32-bit address space
PT_LOAD, PF_X = 1, 1


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def load(elf):
    """(entry, [(vaddr, memsz, file bytes, executable)]) of the PT_LOAD segments."""
    entry, phoff = struct.unpack_from("<II", elf, 24)
    phentsize, phnum = struct.unpack_from("<HH", elf, 42)
    segments = []
    for i in range(phnum):
        p_type, offset, vaddr, _, filesz, memsz, flags, _ = struct.unpack_from(
            "<8I", elf, phoff + i * phentsize)
        if p_type == PT_LOAD and memsz > 0:
            segments.append((vaddr, memsz, elf[offset:offset + filesz], bool(flags & PF_X)))
    return entry, segments


def memory_root(segments):
    """Binary SHA-256 Merkle tree over the 2^20 pages; untouched pages are zero."""
    pages = {}
    for vaddr, _, data, _ in segments:
        for i, byte in enumerate(data):
            addr = vaddr + i
            page = pages.setdefault(addr // PAGE, bytearray(PAGE))
            page[addr % PAGE] = byte
    zero = [sha256(bytes(PAGE))]
    for _ in range(DEPTH):
        zero.append(sha256(zero[-1], zero[-1]))
    level = {n: sha256(bytes(p)) for n, p in pages.items()}
    for height in range(DEPTH):
        parents = {}
        for n in {n // 2 for n in level}:
            left = level.get(2 * n, zero[height])
            right = level.get(2 * n + 1, zero[height])
            parents[n] = sha256(left, right)
        level = parents
    return level.get(0, zero[DEPTH])


def image_id(elf):
    entry, segments = load(elf)
    code = sorted((v, v + m) for v, m, _, x in segments if x)
    preimage = b"ember/image/v1" + struct.pack("<II", entry, len(code))
    for start, end in code:
        preimage += struct.pack("<II", start, end)
    return sha256(preimage, memory_root(segments))


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as f:
        print(image_id(f.read()).hex())
