/*
 * mango/early_alloc.h - the boot-time allocator.
 *
 * A bump allocator over a fixed pool inside the kernel image (.bss), so it
 * works before, and independently of, the physical page allocator that
 * students write in Lab 1. Memory is zeroed and never freed. Used for
 * kernel page tables and other boot-time structures, and as the fallback
 * for kernel infrastructure when the page allocator is a stub.
 */
#ifndef MANGO_EARLY_ALLOC_H_
#define MANGO_EARLY_ALLOC_H_

#include <mango/types.h>

#define EARLY_POOL_SIZE (512 * KiB)

/* early_alloc - @size zeroed bytes aligned to @align (a power of two), or
 * NULL when the pool is exhausted. */
void *early_alloc(size_t size, size_t align);

size_t early_alloc_used(void);

/* early_pool_range - the physical range of the pool, for reservations. */
void early_pool_range(phys_addr_t *start, phys_addr_t *end);

#endif /* MANGO_EARLY_ALLOC_H_ */
