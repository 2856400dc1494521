/*
 * mango/user.h - running a thread in user mode (ring 3): the machine's
 * half of a process. The other half - an address space and the program
 * loaded into it - is the VM's (vm/proc.c, <mango/proc.h>): it fills a
 * struct user_thread, activates the address space and calls user_run().
 *
 *   user_run(t)                          monitor's stack, ring 0
 *     TSS.rsp0 = top of t's kernel stack; save where to come back
 *     iretq --> ring 3 at ut_entry, rsp = ut_stack_top, rdi/rsi = ut_arg
 *        syscall --> syscall_entry (LSTAR) on the kernel stack
 *                    --> syscall_dispatch --> handler --> sysretq
 *        interrupt/exception --> trap_entry on the kernel stack (rsp0)
 *                    --> trap_dispatch --> back with iretq, or:
 *     <-- exit(status), a fault nobody resolves, an exception, the time
 *         limit: the thread ends and user_run returns to its caller.
 *
 * One thread runs in user mode at a time (one CPU, no scheduler yet).
 * Interrupts are on in user mode (the timer enforces the time limit) and
 * off in system calls.
 */
#ifndef MANGO_USER_H_
#define MANGO_USER_H_

#include <mango/handle.h>
#include <mango/setjmp.h>
#include <mango/status.h>
#include <mango/trap.h>
#include <mango/types.h>

#define USER_WHY_MAX 224 /* the longest reason a thread was killed, with NUL */

enum user_end {
	USER_RUNNING = 0, /* not ended (yet) */
	USER_EXITED,      /* called exit(ut_status) */
	USER_KILLED,      /* killed: ut_why says why */
};

struct user_thread {
	/* set by the caller before user_run(): */
	char ut_name[32];          /* the program, for messages */
	uintptr_t ut_entry;        /* first instruction (user half) */
	uintptr_t ut_stack_top;    /* initial rsp (user half, 16-byte aligned) */
	uint64_t ut_arg[2];        /* rdi, rsi at entry: argc, argv */
	uint64_t ut_time_limit_ms; /* killed after this long; 0: no limit */
	struct handle_table ut_handles; /* the process's handles */

	/* set when it ends: */
	enum user_end ut_end;
	int ut_status;             /* exit status (USER_EXITED) */
	char ut_why[USER_WHY_MAX]; /* the reason (USER_KILLED) */

	/* user_run's: */
	jmp_buf ut_return; /* where user_run resumes when the thread ends */
	uint64_t ut_deadline; /* timer tick that ends it; 0: none */
};

/*
 * user_run - run @t in user mode until it ends (exit, killed); then
 * t->ut_end says how. The caller has made the thread's address space the
 * active one and mapped ut_entry and the stack with VM_PROT_USER.
 * KERN_OK when it ran; KERN_INVALID_ARGUMENT for an entry or stack outside
 * the user half; KERN_EXISTS when a thread is already in user mode.
 * Interrupts: as on entry when it returns. Lock: none held.
 */
kern_status_t user_run(struct user_thread *t);

/* user_current - the thread in user mode now (or in a system call), or
 * NULL. */
struct user_thread *user_current(void);

/* user_exit - end the current thread with @status (from a system call). */
void user_exit(int status) __noreturn;

/* user_kill - end the current thread with the reason @fmt..., printed on
 * the console as "user: <name> killed: <reason>". From a system call or
 * the trap path. */
void user_kill(const char *fmt, ...) __noreturn __printf(1, 2);

/* user_trap_return, user_exception - the trap path's half, for a @tf
 * that came from user mode. user_trap_return (after an interrupt): kill
 * the thread when its time is up, else return. user_exception (an
 * exception nobody handled; @why is a page fault's reason, may be empty):
 * kill it with a decoded message. */
void user_trap_return(struct trap_frame *tf);
void user_exception(struct trap_frame *tf, const char *why) __noreturn;

/* user_arch_init - program the SYSCALL MSRs (EFER.SCE, STAR, LSTAR,
 * SFMASK). Once, at boot, after gdt_init(). */
void user_arch_init(void);

/* tss_set_kernel_stack - the stack the CPU switches to on an interrupt or
 * exception from user mode (TSS.rsp0; gdt.c). */
void tss_set_kernel_stack(uintptr_t top);

#endif /* MANGO_USER_H_ */
