/*
 * ulib.h - the runtime of Mango's user programs: system-call stubs, a
 * printf to the console, exit. A program is `int main(int argc, char
 * **argv)`; returning from main exits with its value (crt0.S).
 *
 * Built freestanding (no C library), linked static with user.ld at
 * 0x400000; the Makefile packs every program into the kernel.
 */
#ifndef ULIB_H_
#define ULIB_H_

#include <mango/status.h>
#include <mango/syscall_nr.h>
#include <mango/types.h>
#include <mango/vm_prot.h>
#include <mango/vmo_info.h>
#include <stdarg.h>

/* syscall6 - system call @nr with six arguments (<mango/syscall_nr.h>
 * gives the convention): its result, >= 0 or minus a kern_status_t. Any
 * value may be passed: the kernel checks them all. */
long syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

/* exit - end the process with @status. */
void exit(int status) __attribute__((noreturn));

/* write - @len bytes at @buf to the console: len or -KERN_... */
long write(const void *buf, size_t len);

/* yield - give up the CPU; 0. */
long yield(void);

/*
 * Lab 6's vm_object calls (their contract: vm/include/mango/vm_syscall.h;
 * VM_PROT_* from <mango/vm_prot.h>, struct vmo_info, VMR_MAP_ANYWHERE and
 * HANDLE_SELF from <mango/vmo_info.h>). Each returns its result, >= 0, or
 * minus a kern_status_t; the arguments go to the kernel unchanged.
 */

/* vmo_create - a handle to a new demand object of @len bytes, rights @prot. */
long vmo_create(const char *name, size_t len, unsigned prot);

/* vmo_create_in_place - a handle to an object over @len bytes of physical
 * memory at @phys; @res must be a handle with HANDLE_RIGHT_IN_PLACE
 * (HANDLE_SELF in a privileged process). */
long vmo_create_in_place(long res, const char *name, uint64_t phys, size_t len,
			 unsigned prot);

/* vmo_get_info - 0, *@info filled for the object handle @h names. */
long vmo_get_info(long h, struct vmo_info *info);

/* vmr_map - the address where @len bytes of object @h from @offset are now
 * mapped with @prot; @addr: VMR_MAP_ANYWHERE or a fixed address. */
long vmr_map(long h, uint64_t offset, size_t len, unsigned prot, uint64_t addr);

/* vmr_unmap - 0 when [@addr, @addr + @len) is unmapped. */
long vmr_unmap(uint64_t addr, size_t len);

/* vmr_protect - 0 when [@addr, @addr + @len) has rights @prot. */
long vmr_protect(uint64_t addr, size_t len, unsigned prot);

/* handle_close - 0 when handle @h is closed. */
long handle_close(long h);

/* printf - format (the kernel's format: %d %u %x %lx %zu %s %p %c) to the
 * console, at most ULIB_PRINTF_MAX - 1 bytes a call; the write's result. */
#define ULIB_PRINTF_MAX 256
long printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* status_name - "KERN_MEMORY_FAULT" for the result -KERN_MEMORY_FAULT
 * (or KERN_MEMORY_FAULT), "OK" for results >= 0. */
const char *status_name(long result);

#endif /* ULIB_H_ */
