/*
 * mango/vm_fault.h - demand faults (Lab 5).
 *
 * The seed's promise: "unless a vm-object is created in-place, its memory
 * pages are only allocated when the object is mapped AND someone attempts
 * to access the memory." vm_fault() is where that happens. The CPU raises
 * a page fault; the trap path (kernel/arch/x86_64/trap.c) decodes the
 * error code and CR2 into an address and an access and offers them to the
 * handler vm/ registered (trap_set_page_fault_handler); vm/ resolves the
 * fault in the active address space with vm_fault() and, on KERN_OK, the
 * faulting instruction runs again and finds its page.
 *
 *   CPU #PF --> trap.c: va = CR2, access = READ|WRITE|EXEC (|USER)
 *           --> vm/'s handler --> vm_fault(active region, va, access)
 *                 find the mapping (btree_floor), check access vs m_prot,
 *                 offset = m_offset + (va - m_base), get the page
 *                 (vm_object_alloc_page: zeroed; in place: the frame;
 *                 already there: the same page), pmap_enter it
 *           <-- KERN_OK: iretq, the instruction runs again
 *           <-- otherwise: the kernel panics with vm_fault_describe()'s
 *               message (from Lab 6: a user process ends with it)
 *
 * Large pages: where a mapping covers the whole 2 MiB-aligned block around
 * va, the object offset of that block is 2 MiB aligned and the object has
 * no page inside the block yet, the first touch allocates one 2 MiB page
 * (VM_PAGE_2M) and enters one 2 MiB leaf.
 *
 * Counters: every address space counts its faults (vr_faults): taken,
 * pages allocated by them, and refused.
 */
#ifndef MANGO_VM_FAULT_H_
#define MANGO_VM_FAULT_H_

#include <mango/status.h>
#include <mango/types.h>
#include <mango/vm_prot.h>

struct vm_region;

/*
 * vm_fault - resolve a fault at @va in @region for @access: one of
 * VM_PROT_READ, VM_PROT_WRITE, VM_PROT_EXEC, with VM_PROT_USER added when
 * the CPU was in user mode. On KERN_OK the page holding @va is mapped with
 * its mapping's rights, so the access can be retried; a page the object
 * already had (another mapping brought it in) is shared, never allocated
 * twice. Results (on any but KERN_OK the region, object and pmap are as
 * they were, and vr_faults.refused counts one more):
 *   KERN_INVALID_ARGUMENT  NULL @region, @access not one of the above
 *   KERN_NOT_FOUND         no mapping holds @va
 *   KERN_ACCESS_DENIED     the mapping's rights do not allow @access
 *                          (write to read-only, fetch from NX, user
 *                          access to a kernel-only mapping)
 *   KERN_NO_MEMORY         no page, or no page-table page
 * Lock: neither @region's nor any object's held (it takes them, region
 * first). Called from the page-fault path with interrupts off.
 */
kern_status_t vm_fault(struct vm_region *region, uintptr_t va, enum vm_prot access);

/*
 * vm_fault_describe - the message for a fault vm_fault() refused with
 * @status, naming the address, the access and what the lookup found:
 *   "no mapping at 0x10005000 in region 'as0'"
 *   "write to read-only mapping of 'heap' [0x10000000-0x10004000) at 0x10001008"
 *   "instruction fetch from NX mapping of 'buf' [...) at ..."
 * Written to @buf (at most @len bytes, NUL-terminated); returns @buf.
 * Lock: @region's not held.
 */
char *vm_fault_describe(struct vm_region *region, uintptr_t va, enum vm_prot access,
			kern_status_t status, char *buf, size_t len);

/* vm_fault_access_name - "read", "write" or "instruction fetch" for
 * @access (VM_PROT_USER ignored); "?" for anything else. */
const char *vm_fault_access_name(enum vm_prot access);

#endif /* MANGO_VM_FAULT_H_ */
