/*
 * mango/machine.h - ending the machine, and what QEMU's exit status means.
 *
 *   status  how                                          when
 *   0       ACPI power off (S5 through PM1a_CNT)        poweroff, end of a test run
 *   3       isa-debug-exit, value MANGO_EXIT_PANIC (1)   MANGO PANIC
 *   5       isa-debug-exit, value MANGO_EXIT_HALT (2)    poweroff failed (no ACPI PM)
 *   7       isa-debug-exit, value MANGO_EXIT_FLOOD (3)   the console passed ktest.flood
 *   4       set by kernel/tools/run-qemu.sh              triple fault (CPU reset)
 *
 * isa-debug-exit makes QEMU exit with (value << 1) | 1, so every status a
 * kernel can choose is odd; 4 is even on purpose and only the wrapper
 * produces it (QEMU itself exits 0 on a reset under -no-reboot).
 */
#ifndef MANGO_MACHINE_H_
#define MANGO_MACHINE_H_

#include <mango/types.h>

#define MANGO_EXIT_PANIC 1 /* QEMU status 3 */
#define MANGO_EXIT_HALT 2  /* QEMU status 5 */
#define MANGO_EXIT_FLOOD 3 /* QEMU status 7 */

/* machine_poweroff - power the machine off; QEMU exits with status 0. */
void machine_poweroff(void) __noreturn;

/* machine_exit - end QEMU with status (@code << 1) | 1 via isa-debug-exit,
 * or halt forever when that device is absent. */
void machine_exit(uint32_t code) __noreturn;

/* machine_halt - stop this CPU with interrupts off. */
void machine_halt(void) __noreturn;

/* machine_triple_fault - reset the CPU by a triple fault (for tests). */
void machine_triple_fault(void) __noreturn;

#endif /* MANGO_MACHINE_H_ */
