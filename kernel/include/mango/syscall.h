/*
 * mango/syscall.h - the kernel side of system calls.
 *
 * A system call is registered from any file, without touching the
 * dispatcher (the way MONITOR_COMMAND registers commands), so the code
 * above kernel/ (vm/: Lab 6's vmo_* and vmr_* calls) adds its own:
 *
 *     static int64_t sys_yield(const struct syscall_args *a) { return 0; }
 *     SYSCALL_DEFINE(SYS_YIELD, yield, sys_yield);
 *
 * The numbers are <mango/syscall_nr.h>, shared with the user runtime. A
 * handler validates every argument before it acts (a user value is never
 * trusted: pointers go through <mango/usercopy.h>, handles through
 * <mango/handle.h>) and returns >= 0 or minus a kern_status_t.
 */
#ifndef MANGO_SYSCALL_H_
#define MANGO_SYSCALL_H_

#include <mango/status.h>
#include <mango/syscall_nr.h>
#include <mango/trap.h>
#include <mango/types.h>

#define SYSCALL_ARGS_MAX 6

/* The six argument registers, in order (rdi, rsi, rdx, r10, r8, r9). */
struct syscall_args {
	uint64_t a[SYSCALL_ARGS_MAX];
};

typedef int64_t (*syscall_fn_t)(const struct syscall_args *args);

struct syscall_entry {
	unsigned nr;
	const char *name;
	syscall_fn_t fn;
};

#define SYSCALL_STR_(x) #x
#define SYSCALL_STR(x) SYSCALL_STR_(x)
#define SYSCALL_DEFINE(nr_, name_, fn_)                                         \
	static const struct syscall_entry __syscall_##name_                     \
		__section("mango_syscalls." SYSCALL_STR(nr_)) __used __aligned(8) = { \
			.nr = (nr_), .name = #name_, .fn = (fn_)                \
		}

/* syscall_error - the value a handler returns for the failure @s. */
static inline int64_t syscall_error(kern_status_t s)
{
	return -(int64_t)s;
}

/*
 * syscall_invoke - run system call @nr with @args: its handler's result,
 * or -KERN_INVALID_ARGUMENT for a number nobody registered. Called on the
 * thread's kernel stack with interrupts off; it may not return at all
 * (exit, a killed thread).
 */
int64_t syscall_invoke(uint64_t nr, const struct syscall_args *args);

/* syscall_dispatch - the machine's half: take the number and arguments
 * from @tf's registers, invoke, put the result in its rax and check the
 * way back to user mode (kernel/arch/x86_64/user.c; called by
 * syscall_entry). */
void syscall_dispatch(struct trap_frame *tf);

/* syscall_lookup - the entry registered for @nr, or NULL. */
const struct syscall_entry *syscall_lookup(uint64_t nr);

#endif /* MANGO_SYSCALL_H_ */
