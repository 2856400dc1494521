/*
 * mango/vm_syscall.h - Lab 6: the vm_object API as system calls.
 *
 * The seed promised that vm_object "will provide an api for userspace
 * programs to do the same": a process creates objects, maps windows of
 * them into its own address space (the active vm_region while it runs)
 * and lets Lab 5's faults bring the pages in. This is where the kernel
 * first meets hostile input, so every call validates everything, then
 * acts (seL4's rule), and answers with a kern_status_t, never a panic:
 *
 *   call (number: <mango/syscall_nr.h>)         result (>= 0) / errors (-status)
 *   vmo_create(name, len, prot)                  a handle to a demand object
 *   vmo_create_in_place(res, name, phys, len, prot)  a handle to an in-place object;
 *                                                res must be a handle with
 *                                                HANDLE_RIGHT_IN_PLACE
 *   vmo_get_info(h, struct vmo_info *info)       0, *info filled
 *   vmr_map(h, offset, len, prot, addr)          the address mapped at (addr:
 *                                                VMR_MAP_ANYWHERE or a fixed one)
 *   vmr_unmap(addr, len)                         0
 *   vmr_protect(addr, len, prot)                 0
 *   handle_close(h)                              0
 *
 * Arguments, as the user passes them (any 64-bit value may arrive):
 *   - names: user strings, copied with copyinstr (at most
 *     VM_OBJECT_NAME_MAX bytes with the NUL: longer is KERN_OUT_OF_RANGE);
 *     a pointer outside the user half is KERN_INVALID_ARGUMENT, one that
 *     faults KERN_MEMORY_FAULT (<mango/usercopy.h>);
 *   - prot: bits of VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC only
 *     (<mango/vm_prot.h>); the kernel adds VM_PROT_USER itself. Any other
 *     bit (VM_PROT_USER included) is KERN_INVALID_ARGUMENT; a mapping
 *     without READ is KERN_INVALID_ARGUMENT (vm_region_map's rule);
 *   - handles: resolved with handle_get() (<mango/handle.h>): a number
 *     that is not an open handle, or one to another type of object, is
 *     KERN_INVALID_ARGUMENT; a missing right KERN_ACCESS_DENIED;
 *   - lengths, offsets, addresses: page aligned, not 0, no overflow when
 *     added (KERN_INVALID_ARGUMENT), inside the process's address space
 *     (KERN_OUT_OF_RANGE), as vm_region_map/unmap/protect define them;
 *     their own results pass through unchanged.
 * Rights: a handle from vmo_create* carries VMO_HANDLE_RIGHTS (read,
 * write, map, duplicate); vmo_get_info needs READ, vmr_map needs MAP (and
 * prot a subset of the object's rights: KERN_ACCESS_DENIED otherwise).
 * Handle HANDLE_SELF (1) names the process's own address space; it has
 * HANDLE_RIGHT_IN_PLACE only in a privileged process (`run -p`).
 *
 * The calls run in a system call of the current process (user_current()):
 * its handle table, and its address space is vm_region_active(). Lock:
 * none held on entry; each takes what it needs through the Lab 3-5 APIs.
 */
#ifndef MANGO_VM_SYSCALL_H_
#define MANGO_VM_SYSCALL_H_

#include <mango/syscall.h>
#include <mango/vmo_info.h>

/* The rights of a handle vmo_create and vmo_create_in_place return. */
#define VMO_HANDLE_RIGHTS                                                              \
	(HANDLE_RIGHT_READ | HANDLE_RIGHT_WRITE | HANDLE_RIGHT_MAP | HANDLE_RIGHT_DUPLICATE)

/*
 * The handlers (registered with SYSCALL_DEFINE in vm/vm_syscall.c): each
 * takes the raw argument registers and returns the call's result, >= 0,
 * or syscall_error(status). Exposed for the in-kernel tests.
 */
int64_t sys_vmo_create(const struct syscall_args *args);
int64_t sys_vmo_create_in_place(const struct syscall_args *args);
int64_t sys_vmo_get_info(const struct syscall_args *args);
int64_t sys_vmr_map(const struct syscall_args *args);
int64_t sys_vmr_unmap(const struct syscall_args *args);
int64_t sys_vmr_protect(const struct syscall_args *args);
int64_t sys_handle_close(const struct syscall_args *args);

#endif /* MANGO_VM_SYSCALL_H_ */
