/*
 * probe.c - the trap path's side of the probes (probe_access.S, <mango/probe.h>).
 */
#include <mango/probe.h>

extern char probe_faulted[];

bool probe_fixup(struct trap_frame *tf)
{
	/* each probe's access is its first instruction (probe_access.S) */
	if (tf->rip != (uintptr_t)probe_read64 && tf->rip != (uintptr_t)probe_write64)
		return false;
	tf->rip = (uintptr_t)probe_faulted;
	tf->rax = KERN_MEMORY_FAULT;
	return true;
}
