/*
 * mango/usercopy.h - moving bytes across the user/kernel boundary.
 *
 * A user pointer is a number the process chose: the kernel checks that
 * the whole range [uaddr, uaddr + len) lies in the user half without
 * wrapping (a kernel-half pointer smuggled in is refused before any
 * access), then copies with accesses whose page faults are caught: a fault
 * that the page-fault handler resolves (a demand page) lets the copy go on,
 * one it refuses makes the copy return KERN_MEMORY_FAULT instead of
 * panicking (the probe mechanism of <mango/probe.h>, for ranges).
 *
 * What a copy cannot check: that the memory does not change after it was
 * copied (copy once into the kernel, then validate the copy: never read a
 * user value twice - the TOCTOU rule).
 */
#ifndef MANGO_USERCOPY_H_
#define MANGO_USERCOPY_H_

#include <mango/status.h>
#include <mango/trap.h>
#include <mango/types.h>

/* user_range_ok - true when [@uaddr, @uaddr + @len) is inside the user
 * half and does not wrap; a zero-length range is ok anywhere in it. */
bool user_range_ok(uintptr_t uaddr, size_t len);

/* copyin - copy @len bytes from user address @usrc to kernel @dst.
 * KERN_OK; KERN_INVALID_ARGUMENT when the range is not in the user half
 * (nothing read); KERN_MEMORY_FAULT when an access faulted (@dst holds a
 * prefix). */
kern_status_t copyin(void *dst, uintptr_t usrc, size_t len);

/* copyout - copy @len bytes from kernel @src to user address @udst.
 * Results as copyin's (on KERN_MEMORY_FAULT a prefix was written). */
kern_status_t copyout(uintptr_t udst, const void *src, size_t len);

/* copyinstr - copy the NUL-terminated string at @usrc into @dst (@max
 * bytes, NUL included); *@len (may be NULL) = its length without the NUL.
 * KERN_OK; KERN_INVALID_ARGUMENT (not in the user half, or @max 0);
 * KERN_OUT_OF_RANGE (no NUL in the first @max bytes; @dst is then
 * NUL-terminated, truncated); KERN_MEMORY_FAULT. */
kern_status_t copyinstr(char *dst, uintptr_t usrc, size_t max, size_t *len);

/* usercopy_fixup - the trap path's half: if @tf is a kernel-mode fault of
 * a user copy's access, make the copy return KERN_MEMORY_FAULT (true);
 * else false. */
bool usercopy_fixup(struct trap_frame *tf);

#endif /* MANGO_USERCOPY_H_ */
