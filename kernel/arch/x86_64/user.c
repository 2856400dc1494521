/*
 * user.c - threads in ring 3: entering, system-call return, and ending
 * them (<mango/user.h>).
 *
 * The thread's kernel stack is one static stack (one thread runs in user
 * mode at a time): the CPU switches to it through TSS.rsp0 on an
 * interrupt or exception from ring 3 (SDM vol. 3A 6.14.2), and
 * syscall_entry switches to it through syscall_kernel_rsp. When the
 * thread ends - exit, a fault, the time limit - user_run's caller resumes
 * through longjmp from wherever the kernel is on that stack, which is
 * simply abandoned: nothing on it outlives the thread.
 */
#include <arch/io.h>
#include <arch/irq.h>
#include <arch/memlayout.h>
#include <arch/x86.h>
#include <mango/format.h>
#include <mango/init.h>
#include <mango/printk.h>
#include <mango/syscall.h>
#include <mango/time.h>
#include <mango/user.h>

#define USER_KSTACK_SIZE (16 * 1024)
#define MS_PER_S 1000

/* The RFLAGS bits SYSCALL clears: interrupts, single step, direction,
 * alignment check, nested task, I/O privilege (SDM vol. 2B "SYSCALL"). */
#define SFMASK_BITS (X86_RFLAGS_IF | X86_RFLAGS_TF | X86_RFLAGS_DF | X86_RFLAGS_AC | \
		     X86_RFLAGS_NT | X86_RFLAGS_IOPL)

/* SYSRET takes both user selectors from one base: the GDT must hold user
 * data just below user code (gdt.c). */
_Static_assert(GDT_USER_DATA - STAR_SYSRET_SS_OFFSET + STAR_SYSRET_CS_OFFSET == GDT_USER_CODE,
	       "SYSRET needs user data then user code in the GDT");

static uint8_t user_kstack[USER_KSTACK_SIZE] __aligned(16);
static struct user_thread *current;

/* syscall_entry's: the kernel stack to switch to, and the user's rsp
 * while it does (user_entry.S). */
uintptr_t syscall_kernel_rsp, syscall_user_rsp;

void syscall_entry(void);
void user_enter(uintptr_t rip, uintptr_t rsp, uint64_t arg0, uint64_t arg1) __noreturn;

void user_arch_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR,
	      ((uint64_t)GDT_KERNEL_CODE << STAR_SYSCALL_CS_SHIFT) |
		      ((uint64_t)(GDT_USER_DATA - STAR_SYSRET_SS_OFFSET) << STAR_SYSRET_BASE_SHIFT));
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_SFMASK, SFMASK_BITS);
}
INITCALL(INIT_CORE, user_arch_init);

struct user_thread *user_current(void)
{
	return current;
}

kern_status_t user_run(struct user_thread *t)
{
	uintptr_t top = (uintptr_t)(user_kstack + sizeof(user_kstack));
	bool was;

	if (!t || t->ut_entry >= USER_HALF_END || t->ut_stack_top >= USER_HALF_END ||
	    !IS_ALIGNED(t->ut_stack_top, 16))
		return KERN_INVALID_ARGUMENT;
	if (current)
		return KERN_EXISTS;
	t->ut_end = USER_RUNNING;
	t->ut_status = 0;
	t->ut_why[0] = '\0';
	t->ut_deadline = 0;
	if (t->ut_time_limit_ms && timer_hz())
		t->ut_deadline = timer_ticks() + 1 + t->ut_time_limit_ms * timer_hz() / MS_PER_S;

	was = irq_save();
	current = t;
	tss_set_kernel_stack(top);
	syscall_kernel_rsp = top;
	if (setjmp(t->ut_return) == 0)
		user_enter(t->ut_entry, t->ut_stack_top, t->ut_arg[0], t->ut_arg[1]);
	/* the thread ended: on our own stack again, interrupts off; an
	 * interrupt from ring 3 left a null SS (SDM 6.14.2): load ours */
	__asm__ volatile("movw %w0, %%ss" : : "r"(GDT_KERNEL_DATA));
	current = NULL;
	irq_restore(was);
	return KERN_OK;
}

void user_exit(int status)
{
	if (!current)
		panic("no thread in user mode");
	current->ut_end = USER_EXITED;
	current->ut_status = status;
	longjmp(current->ut_return, 1);
}

void user_kill(const char *fmt, ...)
{
	va_list ap;

	if (!current)
		panic("no thread in user mode");
	va_start(ap, fmt);
	vsnprintf(current->ut_why, sizeof(current->ut_why), fmt, ap);
	va_end(ap);
	current->ut_end = USER_KILLED;
	printk("user: %s killed: %s\n", current->ut_name, current->ut_why);
	longjmp(current->ut_return, 1);
}

/* check_deadline - kill the current thread when its time is up. */
static void check_deadline(const struct trap_frame *tf)
{
	if (current && current->ut_deadline && timer_ticks() >= current->ut_deadline)
		user_kill("time limit of %lu ms exceeded (rip 0x%lx)",
			  (unsigned long)current->ut_time_limit_ms, (unsigned long)tf->rip);
}

void user_trap_return(struct trap_frame *tf)
{
	check_deadline(tf);
}

void user_exception(struct trap_frame *tf, const char *why)
{
	if (tf->vector == T_PAGE_FAULT && why[0])
		user_kill("page fault: %s (rip 0x%lx)", why, (unsigned long)tf->rip);
	user_kill("%s (trap %lu, error 0x%lx) at rip 0x%lx", trap_name(tf->vector),
		  (unsigned long)tf->vector, (unsigned long)tf->error, (unsigned long)tf->rip);
}

void syscall_dispatch(struct trap_frame *tf)
{
	struct syscall_args args = { { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 } };

	tf->rax = (uint64_t)syscall_invoke(tf->rax, &args);
	/* back to ring 3 with only the user's own flags, interrupts on; and
	 * never sysretq to a non-canonical rip: that #GP would be taken in
	 * ring 0 on the user's stack (SDM vol. 2B "SYSRET") */
	tf->rflags = (tf->rflags & X86_RFLAGS_USER) | X86_RFLAGS_IF | X86_RFLAGS_RESERVED1;
	if (tf->rip >= USER_HALF_END)
		user_kill("system call returns to 0x%lx, outside the user half",
			  (unsigned long)tf->rip);
	check_deadline(tf);
}
