/*
 * mango/kmalloc.h - kernel heap for small objects.
 *
 * Sizes up to KMALLOC_MAX_CLASS come from per-size-class free lists carved
 * out of single pages; larger ones take whole page blocks. If the page
 * allocator has nothing (out of memory, or a Lab 1 branch where it is
 * still a stub), kmalloc falls back to the early allocator, whose memory
 * is never returned: infrastructure keeps working either way.
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

#endif /* MANGO_KMALLOC_H_ */
