/*
 * mango/trap.h - the saved CPU state of an interrupt or exception, and
 * registration of interrupt handlers.
 */
#ifndef MANGO_TRAP_H_
#define MANGO_TRAP_H_

#include <arch/x86.h>
#include <mango/status.h>
#include <mango/types.h>
#include <mango/vm_prot.h>

/* Laid out by trap_entry.S: general registers (last pushed first), then the
 * vector and error code pushed by the stub, then the CPU's own frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error; /* 0 for vectors without an error code */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_t)(struct trap_frame *tf);

/*
 * page_fault_handler_t - resolve a page fault at @va (CR2) for @access,
 * which the trap path decoded from the error code: VM_PROT_EXEC for an
 * instruction fetch, VM_PROT_WRITE for a write, VM_PROT_READ otherwise,
 * with VM_PROT_USER added when the CPU was in user mode. KERN_OK when it
 * did (the faulting instruction is retried); any other status declines:
 * then a probe's fault makes the probe fail (<mango/probe.h>), and any
 * other fault is reported, with the handler's one-line reason in @why
 * (@why_len bytes, NUL-terminated; left empty when it has none), and the
 * kernel panics. Called with interrupts off, on the faulting context's
 * stack; it must not fault itself.
 */
typedef kern_status_t (*page_fault_handler_t)(uintptr_t va, enum vm_prot access, char *why,
					      size_t why_len);

/* trap_set_page_fault_handler - offer every page fault to @fn first (NULL
 * removes it). KERN_EXISTS when another handler is already registered:
 * there is one, owned by the VM. */
kern_status_t trap_set_page_fault_handler(page_fault_handler_t fn);

/* trap_page_fault_handler - the handler registered now, or NULL (a test
 * that installs its own puts this one back afterwards). */
page_fault_handler_t trap_page_fault_handler(void);

/* irq_register - call @fn for legacy IRQ @irq (0..15) and unmask it. */
void irq_register(unsigned irq, irq_handler_t fn);

/* trap_name - "page fault", "general protection", ... for a vector. */
const char *trap_name(uint64_t vector);

/* trap_dump - print every register of @tf, symbolizing rip. */
void trap_dump(const struct trap_frame *tf);

/* panic_trap - panic for an unhandled exception: @func names where it
 * happened and the backtrace starts at the faulting frame of @tf. */
void panic_trap(const char *func, const struct trap_frame *tf,
		const char *fmt, ...) __noreturn __printf(3, 4);

void gdt_init(void);
void idt_init(void);
void trap_dispatch(struct trap_frame *tf);

#endif /* MANGO_TRAP_H_ */
