#!/usr/bin/env python3
"""Lists the entries of a CUDA fatbin like `cuobjdump --list-elf` / `--list-ptx` (no CUDA toolkit
tools needed), and with --functions the ga_ kernels found in each ELF's symbol table.

Container layout (as nvcc writes it): a 16-byte header (u32 magic 0xBA55ED50, u16 version,
u16 header size, u64 payload size), then entries: u16 kind (1 = PTX, 2 = ELF), u16 version,
u32 entry header size, u64 payload size, ..., u32 at byte 28 = SM version (75 = sm_75),
u64 at byte 40 = flags, and for compressed entries the uncompressed size at byte 56.

Usage: native/list_fatbin.py [--functions] [path]   (default: the jar resource)
"""
import os
import struct
import sys

MAGIC = 0xBA55ED50


def entries(data):
    magic, _version, header, size = struct.unpack_from("<IHHQ", data, 0)
    if magic != MAGIC:
        raise SystemExit("not a fatbin: magic %#x" % magic)
    off = header
    end = header + size
    while off < end:
        kind, _v, ehs, payload = struct.unpack_from("<HHIQ", data, off)
        sm = struct.unpack_from("<I", data, off + 28)[0]
        flags = struct.unpack_from("<Q", data, off + 40)[0]
        raw = struct.unpack_from("<Q", data, off + 56)[0] if ehs >= 64 else 0
        yield kind, sm, data[off + ehs:off + ehs + payload], flags, raw
        off += ehs + payload


def elf_functions(elf):
    """Names of the FUNC symbols of a 64-bit little-endian ELF."""
    shoff = struct.unpack_from("<Q", elf, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    names = []
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for i in range(sh[5] // 24):
            name_off, info = struct.unpack_from("<IB", elf, sh[4] + i * 24)
            if info & 0xF == 2:  # STT_FUNC
                start = strtab[4] + name_off
                names.append(elf[start:elf.index(b"\0", start)].decode())
    return sorted(names)


def main(argv):
    functions = "--functions" in argv
    paths = [a for a in argv if not a.startswith("--")]
    here = os.path.dirname(os.path.abspath(__file__))
    path = paths[0] if paths else os.path.join(here, "..", "agent", "src", "main", "resources",
                                               "native", "gpu-agent.fatbin")
    data = open(path, "rb").read()
    elf_n = ptx_n = 0
    for kind, sm, payload, flags, raw in entries(data):
        if kind == 2:
            elf_n += 1
            compressed = not payload.startswith(b"\x7fELF")
            print("ELF file %4d: gpu-agent.%d.sm_%d.cubin (%d bytes%s)" % (
                elf_n, elf_n, sm, len(payload), ", compressed" if compressed else ""))
            if functions and not compressed:
                kernels = [f for f in elf_functions(payload) if f.startswith("ga_")]
                print("    %d kernels: %s" % (len(kernels), " ".join(kernels)))
        elif kind == 1:
            ptx_n += 1
            zstd = payload.startswith(b"\x28\xb5\x2f\xfd")
            print("PTX file %4d: gpu-agent.%d.sm_%d.ptx (%d bytes%s)" % (
                ptx_n, ptx_n, sm, len(payload),
                ", zstd-compressed from %d" % raw if zstd else ""))
        else:
            print("entry of kind %d, sm_%d, %d bytes" % (kind, sm, len(payload)))
    print("total %d bytes" % len(data))


if __name__ == "__main__":
    main(sys.argv[1:])
