/*
 * usercopy.c - copyin, copyout, copyinstr (<mango/usercopy.h>): range
 * checks here, the access in usercopy_access.S, and the trap path's fixup.
 */
#include <arch/memlayout.h>
#include <mango/usercopy.h>

/* usercopy_bytes - copy @n (> 0) bytes; KERN_OK, or KERN_MEMORY_FAULT
 * when an access faulted and nobody resolved it (usercopy_access.S). The
 * caller has checked the user side's range. */
kern_status_t usercopy_bytes(void *dst, const void *src, size_t n);
/* its faulting instruction, and where a fault resumes (usercopy_fixup) */
extern char usercopy_access[], usercopy_faulted[];

bool user_range_ok(uintptr_t uaddr, size_t len)
{
	return uaddr < USER_HALF_END && len <= USER_HALF_END - uaddr;
}

kern_status_t copyin(void *dst, uintptr_t usrc, size_t len)
{
	if (!user_range_ok(usrc, len))
		return KERN_INVALID_ARGUMENT;
	return len ? usercopy_bytes(dst, (const void *)usrc, len) : KERN_OK;
}

kern_status_t copyout(uintptr_t udst, const void *src, size_t len)
{
	if (!user_range_ok(udst, len))
		return KERN_INVALID_ARGUMENT;
	return len ? usercopy_bytes((void *)udst, src, len) : KERN_OK;
}

/* One byte at a time: the string ends where it ends, and a byte past the
 * NUL may be on a page the process never mapped. */
kern_status_t copyinstr(char *dst, uintptr_t usrc, size_t max, size_t *len)
{
	if (max == 0 || !user_range_ok(usrc, 1))
		return KERN_INVALID_ARGUMENT;
	for (size_t i = 0; i < max; i++) {
		kern_status_t s = user_range_ok(usrc + i, 1)
					  ? usercopy_bytes(dst + i, (const void *)(usrc + i), 1)
					  : KERN_MEMORY_FAULT;

		if (s != KERN_OK) {
			dst[i] = '\0';
			return s;
		}
		if (dst[i] == '\0') {
			if (len)
				*len = i;
			return KERN_OK;
		}
	}
	dst[max - 1] = '\0';
	return KERN_OUT_OF_RANGE;
}

bool usercopy_fixup(struct trap_frame *tf)
{
	if (tf->rip != (uintptr_t)usercopy_access)
		return false;
	tf->rip = (uintptr_t)usercopy_faulted;
	tf->rax = KERN_MEMORY_FAULT;
	return true;
}
