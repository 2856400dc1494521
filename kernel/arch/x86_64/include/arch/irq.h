/*
 * arch/irq.h - turning this CPU's interrupts on and off.
 */
#ifndef ARCH_IRQ_H_
#define ARCH_IRQ_H_

#include <arch/x86.h>
#include <mango/types.h>

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/* irq_save - disable interrupts; return whether they were enabled. */
static inline bool irq_save(void)
{
	bool was = (read_rflags() & X86_RFLAGS_IF) != 0;
	irq_disable();
	return was;
}

/* irq_restore - enable interrupts again if @was_enabled (irq_save's result). */
static inline void irq_restore(bool was_enabled)
{
	if (was_enabled)
		irq_enable();
}

#endif /* ARCH_IRQ_H_ */
