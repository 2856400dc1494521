"""The kernel's own symbols, to name an address the way its backtraces do
(`vm_page_alloc+0x1b`), and addr2line for the source line.

    syms = Symbols.load()              # build/kernel.nm
    syms.name(0xffffffff80104c2b)      # "buddy_alloc+0x4b", or None
    syms.lines([addr, ...])            # ["vm/vm_page.c:123", ...]
"""
import bisect
import re
import subprocess
from pathlib import Path

from mangotest.machine import BUILD

NM_RE = re.compile(r"^([0-9a-f]{16})(?: ([0-9a-f]{16}))? [tTwW] (\S+)$")


class Symbols:
    def __init__(self, functions, elf=None):
        """@functions: (start, size or None, name), sorted by start."""
        self.functions = functions
        self.starts = [f[0] for f in functions]
        self.elf = elf

    @classmethod
    def load(cls, build=BUILD):
        """The functions of build/kernel.nm (`nm -n -S`); empty when absent."""
        path = Path(build) / "kernel.nm"
        funcs = []
        if path.exists():
            for line in path.read_text().splitlines():
                m = NM_RE.match(line)
                if m:
                    funcs.append((int(m.group(1), 16), int(m.group(2), 16) if m.group(2) else None,
                                  m.group(3)))
        # by address, then name: a label that shares a function's address has
        # no size, and None does not compare with a size
        return cls(sorted(funcs, key=lambda f: (f[0], f[2])), Path(build) / "kernel.elf")

    def name(self, addr):
        """"function+0xoff" for @addr, or None when no function holds it."""
        i = bisect.bisect_right(self.starts, addr) - 1
        if i < 0:
            return None
        start, size, name = self.functions[i]
        if size is not None and addr >= start + size:
            return None
        return "%s+0x%x" % (name, addr - start)

    def lines(self, addrs):
        """"file:line" for each of @addrs (addr2line on kernel.elf; "?" when unknown)."""
        if not addrs or self.elf is None or not self.elf.exists():
            return ["?"] * len(addrs)
        try:
            out = subprocess.run(["addr2line", "-e", str(self.elf)] + ["0x%x" % a for a in addrs],
                                 capture_output=True, text=True, timeout=10).stdout.splitlines()
        except (OSError, subprocess.TimeoutExpired):
            return ["?"] * len(addrs)
        root = str(self.elf.resolve().parents[1]) + "/"
        got = [line.split(" ")[0].removeprefix(root) for line in out]
        return (got + ["?"] * len(addrs))[:len(addrs)]
