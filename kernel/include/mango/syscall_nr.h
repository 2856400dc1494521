/*
 * mango/syscall_nr.h - the system-call numbers: the one list the kernel's
 * dispatcher (kernel/core/syscall.c) and the user runtime (kernel/user/)
 * both include. Plain #defines, no kernel types, so user programs can
 * include it.
 *
 * Calling convention (the System V syscall one, as Linux uses it): the
 * number in rax, arguments in rdi, rsi, rdx, r10, r8, r9; the result in
 * rax: >= 0 on success (a count, a handle), or minus a kern_status_t
 * (<mango/status.h>): -KERN_INVALID_ARGUMENT, -KERN_MEMORY_FAULT, ...
 * rcx and r11 are clobbered by the instruction itself.
 */
#ifndef MANGO_SYSCALL_NR_H_
#define MANGO_SYSCALL_NR_H_

#define SYS_EXIT 0  /* exit(status): never returns */
#define SYS_WRITE 1 /* write(buf, len): to the console; bytes written */
#define SYS_YIELD 2 /* yield(): give up the CPU (returns 0) */
/* Lab 6's vm_object calls take the numbers from 16 on:
 * vmo_create, vmo_create_in_place, vmo_get_info, vmr_map, vmr_unmap,
 * vmr_protect, handle_close. */
#define SYS_NR_MAX 64 /* numbers are below this */

#endif /* MANGO_SYSCALL_NR_H_ */
