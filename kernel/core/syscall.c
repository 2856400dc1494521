/*
 * syscall.c - the system-call table and the calls every process has
 * (<mango/syscall.h>): exit, write, yield. Lab 6's vm_object calls join
 * the table from vm/ with SYSCALL_DEFINE.
 */
#include <mango/console.h>
#include <mango/syscall.h>
#include <mango/user.h>
#include <mango/usercopy.h>

/* write() copies through a buffer of this size, and takes at most
 * SYS_WRITE_MAX bytes a call (interrupts are off in a system call). */
#define SYS_WRITE_CHUNK 128
#define SYS_WRITE_MAX (1024 * 1024)

extern const struct syscall_entry __syscalls_start[], __syscalls_end[];

const struct syscall_entry *syscall_lookup(uint64_t nr)
{
	for (const struct syscall_entry *e = __syscalls_start; e < __syscalls_end; e++)
		if (e->nr == nr)
			return e;
	return NULL;
}

int64_t syscall_invoke(uint64_t nr, const struct syscall_args *args)
{
	const struct syscall_entry *e = nr < SYS_NR_MAX ? syscall_lookup(nr) : NULL;

	return e ? e->fn(args) : syscall_error(KERN_INVALID_ARGUMENT);
}

/* exit(status): ends the process; the low 32 bits are its status. */
static int64_t sys_exit(const struct syscall_args *a)
{
	user_exit((int)a->a[0]);
}
SYSCALL_DEFINE(SYS_EXIT, exit, sys_exit);

/* write(buf, len): the @len bytes at user address @buf to the console.
 * len, or -KERN_INVALID_ARGUMENT (not in the user half, or more than
 * SYS_WRITE_MAX), -KERN_MEMORY_FAULT (a page of it is not readable; what
 * came before it was written). */
static int64_t sys_write(const struct syscall_args *a)
{
	uintptr_t buf = a->a[0];
	size_t len = a->a[1];
	char chunk[SYS_WRITE_CHUNK];

	if (len > SYS_WRITE_MAX || !user_range_ok(buf, len))
		return syscall_error(KERN_INVALID_ARGUMENT);
	for (size_t done = 0; done < len;) {
		size_t n = MIN(len - done, sizeof(chunk));
		kern_status_t s = copyin(chunk, buf + done, n);

		if (s != KERN_OK)
			return syscall_error(s);
		console_write(chunk, n);
		done += n;
	}
	return (int64_t)len;
}
SYSCALL_DEFINE(SYS_WRITE, write, sys_write);

/* yield(): one thread, nothing else to run: returns 0 (the time limit
 * is checked on the way back). */
static int64_t sys_yield(const struct syscall_args *a)
{
	return 0;
}
SYSCALL_DEFINE(SYS_YIELD, yield, sys_yield);
