#!/usr/bin/env python3
"""bench_monitor.py COMMAND [TIMEOUT] - boot Mango, run one monitor command, print what it says.

For benchmarks that run inside the guest (make bench-fault): boots
build/mango.iso under the QEMU arguments every boot shares (make
print-qemu-args, so MEM= and ACCEL= apply), waits for the prompt, sends
COMMAND, copies its output up to the next prompt to stdout, and powers the
machine off. Exits 1 when the monitor does not know COMMAND (an older lab
branch) or the run panics or times out.
"""
import subprocess
import sys
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parents[2]
PROMPT = "mango> "


def qemu_args():
    out = subprocess.run(["make", "-s", "--no-print-directory", "print-qemu-args"],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [a for a in out.splitlines() if a]


def main(argv):
    command = argv[1]
    timeout = int(argv[2]) if len(argv) > 2 else 600
    args = qemu_args()
    child = pexpect.spawn("qemu-system-x86_64", args + ["-chardev", "stdio,id=c,signal=off",
                          "-serial", "chardev:c"], timeout=60, encoding="utf-8",
                          codec_errors="replace")
    child.expect_exact(PROMPT)
    print("%s: qemu -machine %s -m %s" % (command, args[args.index("-machine") + 1],
                                           args[args.index("-m") + 1]))
    child.send(command + "\r")
    child.expect_exact(command)  # the echo
    try:
        found = child.expect_exact([PROMPT, "MANGO PANIC"], timeout=timeout)
    except pexpect.TIMEOUT:
        print(child.before, end="")
        print("%s: no prompt after %d s" % (command, timeout))
        return 1
    out = child.before.replace("\r", "").lstrip("\n")
    print(out, end="")
    if found == 1:
        child.expect(pexpect.EOF)
        print("MANGO PANIC" + child.before.replace("\r\n", "\n"))
        return 1
    child.send("poweroff\r")
    child.expect(pexpect.EOF)
    child.close()
    return 1 if "unknown command" in out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
