#!/bin/sh
# run-qemu.sh LOG QEMU-COMMAND... - run QEMU and report how the machine ended.
#
# QEMU runs with -no-reboot, so a triple fault (CPU reset) makes it exit 0,
# the same as a clean power-off. This wrapper has QEMU log CPU resets to LOG
# and turns a triple fault into exit status 4 with a message. Every other
# status passes through unchanged (see kernel/include/mango/machine.h):
#   0 power off   3 MANGO PANIC   4 triple fault   5 power-off failed
log=$1
shift
rm -f "$log"
"$@" -d cpu_reset -D "$log"
status=$?
if [ "$status" -eq 0 ] && grep -q "Triple fault" "$log" 2>/dev/null; then
	echo "mango: TRIPLE FAULT - the CPU reset itself; QEMU log: $log" >&2
	exit 4
fi
exit "$status"
