/*
 * mango/proc.h - processes: a program loaded into an address space of its
 * own and run in user mode (the infrastructure of Lab 6).
 *
 * A process is a vm_region (Lab 4) holding the program's segments and its
 * stack as vm_objects, a handle table, and one thread (<mango/user.h>,
 * the machine's half: ring 3, system calls, kills). Loading an ELF image
 * (<mango/elf.h> checks it first; a bad one is refused with the reason,
 * never a panic):
 *
 *   segment  object            rights   pages
 *   text     "<prog>.text"     r-xu     copied from the file at load
 *   rodata   "<prog>.rodata"   r--u     copied
 *   data     "<prog>.data"     rw-u     the file's part copied; the rest
 *                                       (bss) on demand, zeroed (Lab 5)
 *   stack    "<prog>.stack"    rw-u     on demand, except the top page
 *                                       (argc, argv and the strings)
 *
 *   PROC_LOW (64 KiB)  program ... stack  PROC_STACK_TOP  guard  USER_HALF_END
 *
 * Ending a process (proc_destroy) closes its handles and drops its
 * region: every mapping goes, every object's last reference with it, and
 * every page the process had is free again.
 *
 * One process runs at a time (the monitor's `run` waits for it).
 */
#ifndef MANGO_PROC_H_
#define MANGO_PROC_H_

#include <mango/status.h>
#include <mango/types.h>
#include <mango/user.h>

#define PROC_LOW ((uintptr_t)64 * KiB) /* below: unmapped, so NULL faults */
#define PROC_STACK_TOP ((uintptr_t)USER_HALF_END - PAGE_SIZE) /* a guard page above */
#define PROC_STACK_SIZE ((size_t)256 * KiB)
#define PROC_ARGS_MAX 16
#define PROC_TIME_LIMIT_MS 10000 /* default; kernel parameter proc.time_limit_ms */

struct vm_region;

struct proc {
	struct vm_region *p_region; /* holds one reference */
	struct user_thread p_thread;
};

/*
 * proc_create - a process running @name's ELF image [@image, +@size) with
 * @argc arguments @argv (argv[0] is the program's name by convention);
 * *@out is it, not started. KERN_OK; KERN_INVALID_ARGUMENT for a bad
 * image or more than PROC_ARGS_MAX arguments or too long ones, with the
 * reason in @why (@why_len bytes); KERN_NO_MEMORY. On failure nothing is
 * left behind. Lock: none.
 */
kern_status_t proc_create(const char *name, const void *image, size_t size, int argc,
			  char *const argv[], struct proc **out, char *why, size_t why_len);

/*
 * proc_run - run @p until it ends (p->p_thread.ut_end, ut_status, ut_why
 * say how), killing it after @time_limit_ms (0: never). Its address space
 * is active while it runs, none after. KERN_OK; user_run()'s errors.
 */
kern_status_t proc_run(struct proc *p, uint64_t time_limit_ms);

/* proc_destroy - close @p's handles, drop its address space (and with it
 * every page it had), free it. */
void proc_destroy(struct proc *p);

#endif /* MANGO_PROC_H_ */
