/*
 * probe.c - the trap path's side of the probes (probe_access.S, <mango/probe.h>).
 */
#include <mango/probe.h>

extern char probe_read64_access[], probe_write64_access[], probe_faulted[];

bool probe_fixup(struct trap_frame *tf)
{
	if (tf->rip != (uintptr_t)probe_read64_access && tf->rip != (uintptr_t)probe_write64_access)
		return false;
	tf->rip = (uintptr_t)probe_faulted;
	tf->rax = KERN_MEMORY_FAULT;
	return true;
}
