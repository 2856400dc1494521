#!/usr/bin/env python3
"""bench_boot.py FLOOR_ISO [RUNS] - time Mango's boot against the floor.

Boots build/floor.iso (GRUB + a kernel that prints one byte; see
kernel/tools/floor/) and build/mango.iso RUNS times each, under the same
QEMU arguments the tests use, and prints the medians:
  floor first byte  - QEMU start + BIOS + GRUB: nothing boots faster
  mango first byte  - Mango's first printk
  mango prompt      - the monitor's "mango> "
and the ratio prompt / floor (target: <= 1.3).
"""
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parents[2]


def qemu_args():
    out = subprocess.run(["make", "-s", "--no-print-directory", "print-qemu-args"],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [a for a in out.splitlines() if a]


def boot_once(args, want_prompt):
    t0 = time.monotonic()
    child = pexpect.spawn("qemu-system-x86_64", args + ["-chardev", "stdio,id=c,signal=off",
                          "-serial", "chardev:c"], timeout=30, encoding="utf-8",
                          codec_errors="replace")
    child.expect(".")
    first = time.monotonic() - t0
    prompt = None
    if want_prompt:
        child.expect_exact("mango> ")
        prompt = time.monotonic() - t0
        child.send("poweroff\r")
    child.expect(pexpect.EOF)
    child.close()
    return first, prompt


def main(argv):
    floor_iso = str(Path(argv[1]).resolve())
    runs = int(argv[2]) if len(argv) > 2 else 5
    base = qemu_args()
    mango_iso = base[base.index("-cdrom") + 1]
    floor_args = list(base)
    floor_args[base.index("-cdrom") + 1] = floor_iso

    floor = [boot_once(floor_args, False)[0] for _ in range(runs)]
    mango = [boot_once(base, True) for _ in range(runs)]
    f = statistics.median(floor)
    m1 = statistics.median(a for a, _ in mango)
    mp = statistics.median(b for _, b in mango)
    print("boot time under %s, median of %d runs (%s)" % (
        base[base.index("-machine") + 1].split("accel=")[1], runs, mango_iso))
    print("  floor  first byte   %.3f s   (GRUB ISO, one-byte kernel)" % f)
    print("  mango  first byte   %.3f s" % m1)
    print("  mango  prompt       %.3f s" % mp)
    print("  ratio  prompt/floor %.2f   (target <= 1.30)" % (mp / f))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
