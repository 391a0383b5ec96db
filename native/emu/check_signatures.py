#!/usr/bin/env python3
"""Checks that each KernelLaunch chain in Kernels.java passes the kernel's parameters in order and
type (ptr / i64 / i32 / f32 / floats) as the ga_ kernels in native/*.cuh declare them.
Kernels whose launch is built in two steps (the resizes) are checked on their common prefix."""
import glob
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sigs = {}
for f in glob.glob(os.path.join(root, "native", "*.cuh")):
    for m in re.finditer(r"GA_KERNEL (\w+)\((.*?)\)\s*\{", open(f).read(), re.S):
        kinds = []
        for p in (p.strip() for p in m.group(2).replace("\n", " ").split(",")):
            kinds.append("ptr" if "*" in p else "i64" if p.startswith("ga_i64") else "i32" if p.startswith("int")
                         else "f32" if p.startswith("float") else "floats" if p.startswith("GaTaps") else "?" + p)
        sigs[m.group(1)] = kinds
java = open(os.path.join(root, "agent/src/main/java/dev/gpuagent/gpu/Kernels.java")).read()
bad = 0
for m in re.finditer(r'KernelLaunch\.of\("(\w+)"\)(.*?);', java, re.S):
    name, chain = m.group(1), m.group(2)
    calls = re.findall(r"\.(ptr|i32|i64|f32|floats)\(", chain)
    expected = sigs.get(name)
    ok = expected is not None and (calls == expected or (chain.strip().endswith("outW())") or "launch" in java[m.start() - 30:m.start()]) and calls == expected[:len(calls)])
    print(("ok  " if ok else "BAD ") + name + ("" if ok else f": passes {calls}, kernel takes {expected}"))
    bad += not ok
sys.exit(1 if bad else 0)
