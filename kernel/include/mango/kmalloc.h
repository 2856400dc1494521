/*
 * mango/kmalloc.h - kernel heap for small objects.
 *
 * Sizes up to KMALLOC_MAX_CLASS come from per-size-class free lists carved
 * out of single pages; larger ones take whole page blocks. The pages come
 * from a page provider that registers itself with kmalloc_set_page_provider
 * (the physical page allocator does, at boot): kernel/ names no allocator.
 * If there is no provider, or it has nothing (out of memory, or a Lab 1
 * branch where the allocator is still a stub), kmalloc falls back to the
 * early allocator, whose memory is never returned: infrastructure keeps
 * working either way.
 */
#ifndef MANGO_KMALLOC_H_
#define MANGO_KMALLOC_H_

#include <mango/types.h>

#define KMALLOC_MIN_CLASS 16
#define KMALLOC_MAX_CLASS 2048

/* kmalloc - @size bytes, 16-byte aligned, zeroed; NULL when out of memory
 * or @size is 0. */
void *kmalloc(size_t size);

/* kfree - give back what kmalloc returned (NULL is ignored). Panics on a
 * pointer kmalloc did not return. */
void kfree(void *ptr);

/*
 * struct kmalloc_page_provider - where kmalloc's pages come from.
 *   alloc(order, zero)  a block of 2^order base pages, aligned to its size,
 *                       as a direct-map pointer (zeroed if @zero); NULL when
 *                       none is free. Called with interrupts off or on.
 *   free(va)            give back a block that alloc returned; false, with
 *                       nothing done, when @va is not in the provider's
 *                       memory at all (kmalloc then panics naming @va).
 *   max_order           the largest order alloc can answer.
 */
struct kmalloc_page_provider {
	void *(*alloc)(unsigned order, bool zero);
	bool (*free)(void *va);
	unsigned max_order;
};

/* kmalloc_set_page_provider - take pages from @p from now on (once, at
 * boot, before the first kmalloc that should use it; @p must stay valid). */
void kmalloc_set_page_provider(const struct kmalloc_page_provider *p);

/* kmalloc_page_alloc - one zeroed page straight from the page provider, by
 * its direct-map address, for a caller that needs whole aligned pages it
 * gives back (page tables); NULL when there is no provider yet or it has
 * none (the caller may fall back on the early pool). */
void *kmalloc_page_alloc(void);

/* kmalloc_page_free - give back a page kmalloc_page_alloc returned; panics
 * on one the provider does not own. */
void kmalloc_page_free(void *va);

#endif /* MANGO_KMALLOC_H_ */
