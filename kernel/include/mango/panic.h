/*
 * mango/panic.h - the two ways to stop on a broken invariant.
 *
 * panic("reason %d", x) prints one stable line
 *     MANGO PANIC: <function>: <reason>
 * then a symbolized backtrace, then ends QEMU with MANGO_EXIT_PANIC.
 * ASSERT(cond) is always compiled in; DEBUG_ASSERT(cond) only when the
 * kernel is built with DEBUG=1. Both panic naming the condition, file and
 * line. Never use either for something a user (or a syscall argument)
 * can cause: return a kern_status_t error instead.
 */
#ifndef MANGO_PANIC_H_
#define MANGO_PANIC_H_

#include <mango/types.h>

#define PANIC_MARKER "MANGO PANIC"

/*
 * panic - the function behind the panic() macro and ASSERT(): @func is the
 * caller's __func__. It is a real function named `panic`, declared before
 * the macro of the same name (a function-like macro does not expand its
 * own name again), so that gdb's `break panic` stops in every panic() and
 * ASSERT() with the caller as frame #1. Defined as `(panic)(...)`.
 */
void panic(const char *func, const char *fmt, ...) __noreturn __printf(2, 3);

#define panic(...) panic(__func__, __VA_ARGS__)

struct trap_frame;
/* panic_trap - panic for an unhandled exception: @func names where it
 * happened, @tf is dumped and the backtrace starts at the faulting frame. */
void panic_trap(const char *func, const struct trap_frame *tf,
		const char *fmt, ...) __noreturn __printf(3, 4);

/* panic_in_progress - true once a panic has started (printing may be
 * partial; do not try to be clever). */
bool panic_in_progress(void);

#define ASSERT(cond)                                                       \
	do {                                                               \
		if (__builtin_expect(!(cond), 0))                          \
			panic("assertion '%s' failed at %s:%d",            \
			      #cond, __FILE__, __LINE__);                  \
	} while (0)

#ifdef MANGO_DEBUG
#define DEBUG_ASSERT(cond) ASSERT(cond)
#else
#define DEBUG_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif /* MANGO_PANIC_H_ */
