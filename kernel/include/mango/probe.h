/*
 * mango/probe.h - read or write one word at an address that may not be
 * mapped, without a fault becoming a panic.
 *
 * A probe is an ordinary load or store, so the CPU checks it against the
 * active page tables exactly as it checks any kernel access: a test uses
 * probes to see what a mapping lets through (the monitor's peek and poke
 * too). A page fault on a probe is first offered to the page-fault handler
 * (a demand fault resolved there lets the probe complete); if it declines,
 * the probe returns KERN_MEMORY_FAULT instead of panicking.
 *
 * Kernel mode only: supervisor accesses, so a page without VM_PROT_USER is
 * readable by a probe, and a write to a read-only page faults (CR0.WP).
 */
#ifndef MANGO_PROBE_H_
#define MANGO_PROBE_H_

#include <mango/status.h>
#include <mango/trap.h>
#include <mango/types.h>

/* probe_read64 - *@out = the 8 bytes at @va (which should be 8-aligned).
 * KERN_OK, or KERN_MEMORY_FAULT (*@out unchanged) when the read faulted. */
kern_status_t probe_read64(uintptr_t va, uint64_t *out);

/* probe_write64 - store @value at @va. KERN_OK, or KERN_MEMORY_FAULT
 * (nothing written) when the write faulted. */
kern_status_t probe_write64(uintptr_t va, uint64_t value);

/* probe_fixup - the trap path's half: if @tf is a fault of a probe's
 * access, make the probe return KERN_MEMORY_FAULT (true); else false. */
bool probe_fixup(struct trap_frame *tf);

#endif /* MANGO_PROBE_H_ */
