#!/bin/sh
# deps.sh - make sure the Debian packages Mango needs are installed.
#
# Installs what is missing when run as root or with passwordless sudo;
# otherwise prints the exact apt-get command and fails. Quiet when
# everything is present, so `make qemu` and `make test` can call it each time.
# This list is everything `make test` needs, and CI (.ci/run) installs
# nothing else: grading/tests/test_deps.py checks that the suite uses no
# pytest plugin or optional tool that is not here.
set -u

missing=""
need() { # need PACKAGE TEST-COMMAND...
	pkg=$1
	shift
	"$@" >/dev/null 2>&1 || missing="$missing $pkg"
}

# the toolchain (on a fresh Debian 12 machine already, but nothing is assumed)
need gcc command -v gcc
need make command -v make
need binutils command -v objdump
need grub-pc-bin test -d /usr/lib/grub/i386-pc
need grub-common command -v grub-mkrescue
need grub-common command -v grub-file
need xorriso command -v xorriso
need mtools command -v mformat
need qemu-system-x86 command -v qemu-system-x86_64
need gdb command -v gdb
need python3-pytest /usr/bin/python3 -c "import pytest"
need python3-pexpect /usr/bin/python3 -c "import pexpect"
# parallel grading (-n, xdist_group) in make test and make grade
need python3-pytest-xdist /usr/bin/python3 -c "import xdist"
# the build is tested with both compilers (grading/tests/test_build.py)
need clang command -v clang
# the grading sandbox of batch grading (grading/mangotest/sandbox.py; its
# setpriv and prlimit are util-linux's, in every Debian)
need bubblewrap command -v bwrap
for extra in ${MANGO_EXTRA_DEPS:-}; do
	need "$extra" dpkg -s "$extra"
done

# one entry per package, in a stable order
missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
missing=${missing% }
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo"
else
	echo "Mango needs these Debian packages: $missing" >&2
	echo "Install them with:" >&2
	echo "    sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
echo "Installing missing packages: $missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq && $sudo $cmd || {
	echo "deps: could not install: $missing" >&2
	exit 1
}
