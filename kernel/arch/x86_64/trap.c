/*
 * trap.c - what happens after trap_common has saved the registers.
 *
 * IRQs go to the handler registered with irq_register(). A page fault is
 * decoded here, the machine's part: CR2 is the address, the error code
 * says the access (fetch, write or read; user or kernel mode). Then it is
 * offered to the handler registered with trap_set_page_fault_handler()
 * (the VM resolves faults there, machine-independently); when there is
 * none or it declines, a probe's fault makes the probe fail, and any other
 * is fatal like every other CPU exception: it is reported in words (which
 * trap, what the error code means, for a page fault which address, why,
 * and the handler's reason), the registers are dumped, and the kernel
 * panics from the faulting frame so the backtrace shows the code that
 * faulted.
 */
#include <arch/io.h>
#include <arch/mmu.h>
#include <arch/pic.h>
#include <arch/x86.h>
#include <mango/ksyms.h>
#include <mango/panic.h>
#include <mango/printk.h>
#include <mango/probe.h>
#include <mango/trap.h>
#include <mango/user.h>
#include <mango/usercopy.h>

#define NR_IRQS 16
/* The longest reason a page-fault handler gives, with its NUL. */
#define PAGE_FAULT_WHY_MAX 192

static irq_handler_t irq_handlers[NR_IRQS];
static uint64_t irq_unhandled;
static page_fault_handler_t page_fault_handler;

static const char *const exception_names[T_NUM_EXCEPTIONS] = {
	[T_DIVIDE] = "divide error",
	[T_DEBUG] = "debug",
	[T_NMI] = "non-maskable interrupt",
	[T_BREAKPOINT] = "breakpoint",
	[T_OVERFLOW] = "overflow",
	[T_BOUND] = "bound range exceeded",
	[T_INVALID_OPCODE] = "invalid opcode",
	[T_DEVICE_NA] = "device not available",
	[T_DOUBLE_FAULT] = "double fault",
	[T_COPROC_SEG] = "coprocessor segment overrun",
	[T_INVALID_TSS] = "invalid TSS",
	[T_SEG_NOT_PRESENT] = "segment not present",
	[T_STACK_FAULT] = "stack-segment fault",
	[T_GPF] = "general protection fault",
	[T_PAGE_FAULT] = "page fault",
	[T_X87_FPU] = "x87 floating-point error",
	[T_ALIGNMENT] = "alignment check",
	[T_MACHINE_CHECK] = "machine check",
	[T_SIMD] = "SIMD floating-point exception",
	[T_VIRT] = "virtualization exception",
	[T_CONTROL_PROT] = "control protection exception",
};

const char *trap_name(uint64_t vector)
{
	if (vector < T_NUM_EXCEPTIONS)
		return exception_names[vector] ? exception_names[vector]
					       : "reserved exception";
	if (vector >= T_IRQ_BASE && vector < T_IRQ_BASE + NR_IRQS)
		return "legacy IRQ";
	return "interrupt";
}

void irq_register(unsigned irq, irq_handler_t fn)
{
	if (irq >= NR_IRQS)
		panic("IRQ %u out of range", irq);
	irq_handlers[irq] = fn;
	pic_unmask(irq);
}

/* Print "<sym+0x1f>" for @addr, or nothing when unknown. */
static void print_sym(uint64_t addr)
{
	uintptr_t off;
	const char *name = ksym_lookup(addr, &off);
	if (name)
		printk(" <%s+0x%lx>", name, (unsigned long)off);
}

void trap_dump(const struct trap_frame *tf)
{
	printk("trap %lu (%s), error code 0x%lx\n", (unsigned long)tf->vector,
	       trap_name(tf->vector), (unsigned long)tf->error);
	printk("  rip %016lx", (unsigned long)tf->rip);
	print_sym(tf->rip);
	printk("\n  cs  %04lx  ss %04lx  rflags %08lx  rsp %016lx\n",
	       (unsigned long)tf->cs, (unsigned long)tf->ss,
	       (unsigned long)tf->rflags, (unsigned long)tf->rsp);
	printk("  rax %016lx  rbx %016lx  rcx %016lx\n", (unsigned long)tf->rax,
	       (unsigned long)tf->rbx, (unsigned long)tf->rcx);
	printk("  rdx %016lx  rsi %016lx  rdi %016lx\n", (unsigned long)tf->rdx,
	       (unsigned long)tf->rsi, (unsigned long)tf->rdi);
	printk("  rbp %016lx  r8  %016lx  r9  %016lx\n", (unsigned long)tf->rbp,
	       (unsigned long)tf->r8, (unsigned long)tf->r9);
	printk("  r10 %016lx  r11 %016lx  r12 %016lx\n", (unsigned long)tf->r10,
	       (unsigned long)tf->r11, (unsigned long)tf->r12);
	printk("  r13 %016lx  r14 %016lx  r15 %016lx\n", (unsigned long)tf->r13,
	       (unsigned long)tf->r14, (unsigned long)tf->r15);
	printk("  cr0 %016lx  cr2 %016lx  cr3 %016lx  cr4 %016lx\n",
	       (unsigned long)read_cr0(), (unsigned long)read_cr2(),
	       (unsigned long)read_cr3(), (unsigned long)read_cr4());
}

/* Name the function that was running when @tf was taken. A jump or call
 * to a bad address has a rip in no function: then name the function whose
 * return address is on top of the stack (the caller, after a call). */
static const char *where(const struct trap_frame *tf)
{
	uintptr_t off;
	const char *name = ksym_lookup(tf->rip, &off);

	if (!name && mmu_is_mapped((const void *)tf->rsp))
		name = ksym_lookup(*(const uintptr_t *)tf->rsp - 1, &off);
	return name ? name : "unknown";
}

void panic_trap(const char *func, const struct trap_frame *tf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_vfrom(func, tf->rip, tf->rbp, fmt, ap);
}

kern_status_t trap_set_page_fault_handler(page_fault_handler_t fn)
{
	if (fn && page_fault_handler && page_fault_handler != fn)
		return KERN_EXISTS;
	page_fault_handler = fn;
	return KERN_OK;
}

page_fault_handler_t trap_page_fault_handler(void)
{
	return page_fault_handler;
}

/* page_fault_access - the access a page fault's error code @e describes,
 * in the machine-independent rights: one of fetch, write, read, and user
 * mode. */
static enum vm_prot page_fault_access(uint64_t e)
{
	enum vm_prot access = (e & PF_ERR_I) ? VM_PROT_EXEC
			      : (e & PF_ERR_W) ? VM_PROT_WRITE
					       : VM_PROT_READ;

	return (e & PF_ERR_U) ? access | VM_PROT_USER : access;
}

/* The fault of @tf at @addr that nobody resolved: report it, with the
 * handler's reason @why (may be empty), then panic. */
static void __noreturn page_fault_fatal(const struct trap_frame *tf, uint64_t addr,
					const char *why)
{
	uint64_t e = tf->error;
	const char *access = (e & PF_ERR_I) ? "instruction fetch"
			     : (e & PF_ERR_W) ? "write"
					      : "read";

	trap_dump(tf);
	printk("page fault: %s at address 0x%lx\n", access, (unsigned long)addr);
	printk("  cause: %s\n", (e & PF_ERR_P) ? "protection violation on a present page"
					       : "page not present");
	printk("  mode:  %s\n", (e & PF_ERR_U) ? "user" : "kernel");
	if (e & PF_ERR_RSVD)
		printk("  a page-table entry has a reserved bit set\n");
	if (e & PF_ERR_PK)
		printk("  protection-key violation\n");
	if (why[0])
		printk("  why:   %s\n", why);
	printk("  at rip 0x%lx", (unsigned long)tf->rip);
	print_sym(tf->rip);
	printk("\n");
	panic_trap(where(tf), tf, "page fault at 0x%lx (%s, %s, %s mode)",
		   (unsigned long)addr, (e & PF_ERR_P) ? "protection" : "not present",
		   access, (e & PF_ERR_U) ? "user" : "kernel");
}

/* page_fault - offer the decoded fault to the registered handler (read
 * CR2 first: a nested fault in the handler would overwrite it); returns
 * when it was resolved, so the faulting instruction runs again, or when it
 * was a probe's (<mango/probe.h>), which then returns KERN_MEMORY_FAULT. */
static void page_fault(struct trap_frame *tf)
{
	uint64_t addr = read_cr2();
	char why[PAGE_FAULT_WHY_MAX] = "";

	if (page_fault_handler &&
	    page_fault_handler((uintptr_t)addr, page_fault_access(tf->error), why,
			       sizeof(why)) == KERN_OK)
		return;
	if (tf->error & PF_ERR_U)
		user_exception(tf, why); /* the process ends, the kernel lives */
	if (probe_fixup(tf) || usercopy_fixup(tf))
		return;
	page_fault_fatal(tf, addr, why);
}

/* from_user - was @tf taken in user mode (CPL 3)? */
static bool from_user(const struct trap_frame *tf)
{
	return (tf->cs & SEL_RPL_MASK) == SEL_RPL_USER;
}

/* exception - a CPU exception: a page fault may be resolved (and this
 * returns); every other one is fatal. */
static void exception(struct trap_frame *tf)
{
	if (tf->vector == T_PAGE_FAULT) {
		page_fault(tf);
		return;
	}
	if (from_user(tf) && tf->vector != T_NMI && tf->vector != T_DOUBLE_FAULT &&
	    tf->vector != T_MACHINE_CHECK)
		user_exception(tf, ""); /* the program's own fault: it ends */
	trap_dump(tf);
	if (tf->vector == T_DOUBLE_FAULT)
		printk("double fault: an exception while delivering another; "
		       "a kernel stack overflow into the guard page looks like this\n");
	panic_trap(where(tf), tf, "%s (trap %lu, error 0x%lx) at rip 0x%lx",
		   trap_name(tf->vector), (unsigned long)tf->vector,
		   (unsigned long)tf->error, (unsigned long)tf->rip);
}

/*
 * trap_dispatch - called by trap_common with interrupts off and @tf on the
 * stack. Returns for interrupts that were handled and for page faults
 * that the page-fault handler resolved; other exceptions panic - or, from
 * user mode, end the process (<mango/user.h>). After an interrupt that came
 * from user mode the process's time limit is checked.
 */
void trap_dispatch(struct trap_frame *tf)
{
	uint64_t v = tf->vector;

	if (v < T_NUM_EXCEPTIONS) {
		exception(tf);
		return;
	}

	if (v >= T_IRQ_BASE && v < T_IRQ_BASE + NR_IRQS) {
		unsigned irq = (unsigned)(v - T_IRQ_BASE);
		if ((irq == 7 || irq == 15) && pic_is_spurious(irq))
			return;
		if (irq_handlers[irq])
			irq_handlers[irq](tf);
		else
			irq_unhandled++;
		pic_eoi(irq);
		if (from_user(tf))
			user_trap_return(tf);
		return;
	}
	pr_warn("unexpected interrupt vector %lu ignored\n", (unsigned long)v);
}
