/*
 * mango/locks.h - interrupt-safe spinlocks.
 *
 * Mango runs on one CPU, so a spinlock's real job is to keep interrupt
 * handlers out: spin_lock_irqsave() disables interrupts first and
 * restores them on unlock. The atomic flag is still taken, so the lock
 * discipline is the one an SMP kernel needs, and taking a lock this CPU
 * already holds (a certain deadlock) panics instead of hanging.
 */
#ifndef MANGO_LOCKS_H_
#define MANGO_LOCKS_H_

#include <mango/types.h>
#ifdef MANGO_HOST
#include <mango/host.h> /* the host's irq_save() and panic() */
#else
#include <arch/io.h>
#include <mango/panic.h>
#endif

typedef struct spinlock {
	volatile uint32_t sl_locked;
	bool sl_irq_was_on; /* interrupt state to restore, written by the holder */
} spinlock_t;

#define SPINLOCK_INIT { 0, false }

static inline void spin_lock_init(spinlock_t *l)
{
	l->sl_locked = 0;
	l->sl_irq_was_on = false;
}

/* spin_lock_irqsave - take @l with interrupts off. Lock: @l not held
 * (taking it twice panics). */
static inline void spin_lock_irqsave(spinlock_t *l)
{
	bool was = irq_save();
	if (__atomic_exchange_n(&l->sl_locked, 1, __ATOMIC_ACQUIRE))
		panic("lock %p is already held: recursive locking on one CPU", (void *)l);
	l->sl_irq_was_on = was;
}

/* spin_unlock_irqrestore - drop @l, interrupts as they were before the
 * lock. Lock: @l held (panics if not). */
static inline void spin_unlock_irqrestore(spinlock_t *l)
{
	bool was = l->sl_irq_was_on;

	if (!l->sl_locked)
		panic("lock %p is not held", (void *)l);
	__atomic_store_n(&l->sl_locked, 0, __ATOMIC_RELEASE);
	irq_restore(was);
}

/* spin_is_locked - true while someone holds @l (on one CPU: this CPU),
 * for assertions of lock rules. */
static inline bool spin_is_locked(const spinlock_t *l)
{
	return l->sl_locked != 0;
}

#endif /* MANGO_LOCKS_H_ */
