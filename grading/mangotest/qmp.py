"""A minimal QMP client: enough to ask QEMU, not the kernel, what is true.

    q = QMP(path); q.connect()
    q.hmp("info mem")            # the page tables as the CPU walks them
    q.read_phys(0x100000, 4)     # guest physical memory, as 64-bit words
    q.registers()["RIP"]         # the CPU's registers (`info registers`)
    q.gva2gpa(0x10000000)        # a virtual address through the CPU's tables
"""
import json
import re
import socket
import time


class QMPError(RuntimeError):
    pass


class QMP:
    def __init__(self, path):
        self.path = str(path)
        self.sock = None
        self.buf = b""

    def connect(self, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(timeout)
                self.sock.connect(self.path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QMPError("no QMP socket at %s" % self.path) from None
                time.sleep(0.02)
        greeting = self._recv()
        if "QMP" not in greeting:
            raise QMPError("unexpected QMP greeting: %r" % greeting)
        self.command("qmp_capabilities")
        return self

    def _recv(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QMPError("QEMU closed the QMP socket")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def command(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._recv()
            if "event" in reply:
                continue
            if "error" in reply:
                raise QMPError("%s: %s" % (name, reply["error"].get("desc")))
            return reply.get("return")

    def hmp(self, line):
        """A human-monitor command ('info tlb', 'xp /4gx 0x1000', ...)."""
        return self.command("human-monitor-command", **{"command-line": line})

    def read_phys(self, addr, count):
        """@count 64-bit words of guest physical memory at @addr."""
        words = []
        for line in self.hmp("xp /%dgx 0x%x" % (count, addr)).splitlines():
            _, _, data = line.partition(":")
            words += [int(w, 16) for w in data.split()]
        return words[:count]

    def read_virt(self, addr, count):
        """@count 64-bit words at virtual address @addr, through the CPU's
        current page tables; None when it is not mapped."""
        words = []
        for line in self.hmp("x /%dgx 0x%x" % (count, addr)).splitlines():
            head, colon, data = line.partition(":")
            if not colon or not re.fullmatch(r"[0-9a-f]+", head.strip()):
                return None  # "Cannot access memory"
            words += [int(w, 16) for w in data.split()]
        return words[:count] if len(words) >= count else None

    def registers(self):
        """`info registers` as {"RIP": int, "RBP": int, ..., "HLT": int}."""
        return {name: int(value, 16) for name, value in
                re.findall(r"\b([A-Z][A-Z0-9]*)=([0-9a-f]+)\b", self.hmp("info registers"))}

    def mappings(self):
        """`info mem` as (start, end, perms) tuples: what the CPU would see."""
        rows = []
        for line in self.hmp("info mem").splitlines():
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) [0-9a-f]+ (\S+)", line)
            if m:
                rows.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
        return rows

    def translate(self, vaddr):
        """Physical address for @vaddr per `info tlb`, or None if unmapped."""
        page = vaddr & ~0xFFF
        for line in self.hmp("info tlb").splitlines():
            m = re.match(r"([0-9a-f]+): ([0-9a-f]+) ", line)
            if m and int(m.group(1), 16) == page:
                return int(m.group(2), 16) + (vaddr & 0xFFF)
        return None

    def tlb(self):
        """`info tlb` as {virtual start: (physical start, flags)}, one per
        leaf of the CPU's current page tables. flags are QEMU's letters, '-'
        for a clear bit: X (NX), G, P (a large page: PS), D, A, C (PCD),
        T (PWT), U, W."""
        rows = {}
        for line in self.hmp("info tlb").splitlines():
            m = re.fullmatch(r"([0-9a-f]+): ([0-9a-f]+) ([-A-Z]{9})", line.strip())
            if m:
                rows[int(m.group(1), 16)] = (int(m.group(2), 16), m.group(3))
        return rows

    def gva2gpa(self, vaddr):
        """The physical address QEMU finds for @vaddr by walking the CPU's
        current page tables (`gva2gpa`), or None when it is not mapped."""
        m = re.search(r"gpa: (0x[0-9a-f]+)", self.hmp("gva2gpa 0x%x" % vaddr))
        return int(m.group(1), 16) if m else None

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None
