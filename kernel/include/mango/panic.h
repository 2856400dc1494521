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
#include <stdarg.h>

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

/*
 * panic_vfrom - the one way every panic goes (panic(), and panic_trap in
 * the arch's trap code): the marker line for @func, the listeners, then a
 * backtrace that starts at @pc (BACKTRACE_NO_PC: none) and the frame
 * chain at @fp, then QEMU exits. Callers pass their own frame, so the
 * backtrace starts at the code that panicked.
 */
void panic_vfrom(const char *func, uintptr_t pc, uintptr_t fp, const char *fmt,
		 va_list ap) __noreturn;

/*
 * Panic listeners: code above kernel/core (ktest, say) that must hear of a
 * panic registers itself instead of being called by name. Each is told the
 * marker line once, on the first panic, after it is printed and before the
 * backtrace, in registration order; it must not panic or block.
 */
struct panic_listener {
	void (*pl_notify)(const char *marker_line); /* without the leading newline */
	struct panic_listener *pl_next;             /* panic.c's list */
};

/* panic_listen - add @l (static storage; registered once, at boot). */
void panic_listen(struct panic_listener *l);

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
