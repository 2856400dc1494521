#!/usr/bin/env python3
"""compdb.py TOP BUILD CC-CMD AS-CMD SRC... - print compile_commands.json.

The commands are the Makefile's own (it passes them in), so clangd and
clang-tidy see exactly the flags the build uses.
"""
import json
import os
import shlex
import sys


def main(argv):
    if len(argv) < 5:
        sys.stderr.write(__doc__)
        return 2
    top, build, cc_cmd, as_cmd, srcs = argv[1], argv[2], argv[3], argv[4], argv[5:]
    entries = []
    for src in srcs:
        obj = os.path.join(build, os.path.splitext(src)[0] + ".o")
        cmd = cc_cmd if src.endswith(".c") else as_cmd
        entries.append({
            "directory": top,
            "file": os.path.join(top, src),
            "output": os.path.join(top, obj),
            "arguments": shlex.split(cmd) + ["-c", src, "-o", obj],
        })
    json.dump(entries, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
