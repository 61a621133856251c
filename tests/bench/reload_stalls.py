#!/usr/bin/env python3
"""Hot instructions right after a vector load from the stack, in a perf profile.

    tests/bench/reload_stalls.py PERF_DATA [TOP] [MIN_PERCENT]

For each of the TOP functions (default 40) with the most samples in PERF_DATA (a
`perf record` of the connector, such as `scripts/bench --perf DIR` writes), prints every
instruction holding at least MIN_PERCENT (default 8) of that function's samples whose
three instructions before it include a load of an xmm/ymm register from the stack.

That shape is what a failed store-to-load forwarding looks like in a sampled profile:
the compiler built a small struct on the stack with narrower stores (a `push_back({a, b,
c})` of a struct with 4-, 2- and 8-byte members), then copied it with one 16-byte load,
which waits until the stores have reached the cache; the sample lands just after the
load. callgrind cannot see it (it counts instructions, not stalls). The changed filter
lost a third of its time on the pipeline's thread to two such loops (docs/benchmarks.md,
"A stall per field in the filter"). A hit is a place to read the annotation
(`perf annotate -i PERF_DATA -s SYMBOL`), not proof: a cache miss on the loaded line
looks the same.
"""
import re
import subprocess
import sys

STACK_VECTOR_LOAD = re.compile(r"mov\w*\s+(-?0x[0-9a-f]+)?\(%rsp\),%[xy]mm")
SYMBOL_LINE = re.compile(r"\s+([0-9.]+)%\s+\[\.\]\s+(.*\S)\s*$")
INSTRUCTION_LINE = re.compile(r"\s+([0-9.]+) :\s+([0-9a-f]+):\s+(.*)$")


def perf(*args):
    return subprocess.run(["perf", *args], capture_output=True, text=True, check=True).stdout


def top_symbols(data, top):
    report = perf("report", "-i", data, "--no-children", "-g", "none", "--sort", "sym",
                  "-F", "overhead,sym")
    symbols = []
    for line in report.splitlines():
        match = SYMBOL_LINE.match(line)
        if match:
            symbols.append((float(match.group(1)), match.group(2)))
    return sorted(symbols, reverse=True)[:top]


def instructions(data, symbol):
    annotation = perf("annotate", "-i", data, "--stdio", "-s", symbol)
    rows = []
    for line in annotation.splitlines():
        match = INSTRUCTION_LINE.match(line)
        if match:
            rows.append((float(match.group(1)), match.group(2), match.group(3)))
    return rows


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    data = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    min_percent = float(sys.argv[3]) if len(sys.argv) > 3 else 8.0
    found = 0
    for share, symbol in top_symbols(data, top):
        rows = instructions(data, symbol)
        for i, (percent, address, _) in enumerate(rows):
            before = [row[2] for row in rows[max(0, i - 3):i]]
            if percent >= min_percent and any(STACK_VECTOR_LOAD.search(b) for b in before):
                found += 1
                print(f"{share:5.2f}% {symbol[:80]}\n"
                      f"       {percent:5.1f}% of it at {address}, after: " +
                      " | ".join(b.strip()[:48] for b in before))
    print(f"{found} hot instruction(s) after a vector load from the stack "
          f"in the top {top} functions")


if __name__ == "__main__":
    main()
