/*
 * mango/backtrace.h - walking the chain of saved frame pointers.
 *
 * Every function compiled with -fno-omit-frame-pointer starts with
 *     push %rbp ; mov %rsp, %rbp
 * so at any point %rbp points at a struct stack_frame: the caller's saved
 * %rbp, then the return address into the caller. boot.S calls kmain with
 * %rbp = 0, which ends the chain.
 */
#ifndef MANGO_BACKTRACE_H_
#define MANGO_BACKTRACE_H_

#include <mango/types.h>

#define BACKTRACE_MAX 32
#define BACKTRACE_NO_PC UINTPTR_MAX /* backtrace_print_from: start at fp */

struct stack_frame {
	const struct stack_frame *next; /* the caller's saved %rbp */
	uintptr_t ret;                  /* return address into the caller */
};

/*
 * backtrace_walk - follow the frame chain starting at frame pointer @fp and
 * store up to @max return addresses in @pcs, innermost first. Stops at the
 * outermost frame (a zero frame pointer) and at the first frame pointer
 * that cannot be a real frame: misaligned, outside the kernel's mapped
 * memory, or not above the previous one (which also rules out loops).
 * Returns the number of addresses stored. Never faults.
 */
int backtrace_walk(uintptr_t fp, uintptr_t *pcs, int max);

/*
 * backtrace_print_from - print "backtrace:" and one symbolized line per
 * frame: @pc first unless BACKTRACE_NO_PC (the faulting instruction), then
 * the return addresses found by backtrace_walk(@fp).
 */
void backtrace_print_from(uintptr_t pc, uintptr_t fp);

/* backtrace_print - the backtrace of the caller. */
void backtrace_print(void);

#endif /* MANGO_BACKTRACE_H_ */
