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

/* printf - format (the kernel's format: %d %u %x %lx %zu %s %p %c) to the
 * console, at most ULIB_PRINTF_MAX - 1 bytes a call; the write's result. */
#define ULIB_PRINTF_MAX 256
long printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* status_name - "KERN_MEMORY_FAULT" for the result -KERN_MEMORY_FAULT
 * (or KERN_MEMORY_FAULT), "OK" for results >= 0. */
const char *status_name(long result);

#endif /* ULIB_H_ */
