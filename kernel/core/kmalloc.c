/*
 * kmalloc.c - size classes over pages (see <mango/kmalloc.h>).
 *
 * A slab page holds objects of one class; free objects are chained
 * through their first word on the class's list. A large object is a page
 * block of its own. kmalloc keeps what it knows about its pages itself,
 * in the slab map: one byte per physical frame, 0 for "not a slab page"
 * (a large block, or a frame kmalloc never had) and class + 1 for a slab
 * page. The map is two-level, a directory page of map pages, each taken
 * from the provider on the first slab page it describes and kept, like
 * slab pages themselves.
 */
#include <arch/io.h>
#include <arch/memlayout.h>
#include <mango/early_alloc.h>
#include <mango/kmalloc.h>
#include <mango/panic.h>
#include <mango/string.h>

#define NR_CLASSES 8 /* 16, 32, ..., 2048 */
#define MAP_FRAMES PAGE_SIZE                    /* frames a map page describes */
#define DIR_ENTRIES (PAGE_SIZE / sizeof(uint8_t *)) /* map pages in the directory */

struct free_obj {
	struct free_obj *next;
};

static const struct kmalloc_page_provider *provider;
static struct free_obj *free_lists[NR_CLASSES];
static uint8_t **slab_dir; /* DIR_ENTRIES map pages, each MAP_FRAMES bytes */

void kmalloc_set_page_provider(const struct kmalloc_page_provider *p)
{
	provider = p;
}

static unsigned class_of(size_t size)
{
	unsigned c = 0;
	while ((size_t)KMALLOC_MIN_CLASS << c < size)
		c++;
	return c;
}

static bool in_early_pool(const void *p)
{
	phys_addr_t s, e, pa = virt_to_phys(p);
	early_pool_range(&s, &e);
	return (uintptr_t)p >= KERNEL_BASE && pa >= s && pa < e;
}

void *kmalloc_page_alloc(void)
{
	return provider ? provider->alloc(0, true) : NULL;
}

void kmalloc_page_free(void *va)
{
	if (!provider || !provider->free(va))
		panic("%p is not a page of the page provider", va);
}

/* A zeroed page from the provider, or NULL. */
static void *zeroed_page(void)
{
	return provider ? provider->alloc(0, true) : NULL;
}

/* The slab map's byte for the frame at @pa; NULL if it has none, in which
 * case @make (allocate missing map pages) was false or there is no memory,
 * or @pa is beyond what the directory covers. */
static uint8_t *slab_mark(phys_addr_t pa, bool make)
{
	size_t pfn = (size_t)(pa >> PAGE_SHIFT), d = pfn / MAP_FRAMES;

	if (d >= DIR_ENTRIES)
		return NULL;
	if (!slab_dir && !(make && (slab_dir = zeroed_page())))
		return NULL;
	if (!slab_dir[d] && !(make && (slab_dir[d] = zeroed_page())))
		return NULL;
	return &slab_dir[d][pfn % MAP_FRAMES];
}

/* A new page cut into objects of class @c; false when there is none. */
static bool grow(unsigned c)
{
	size_t size = (size_t)KMALLOC_MIN_CLASS << c;
	uint8_t *mem = provider ? provider->alloc(0, false) : NULL;
	uint8_t *mark;

	if (!mem)
		return false;
	if (!(mark = slab_mark(virt_to_phys(mem), true))) {
		provider->free(mem);
		return false;
	}
	*mark = (uint8_t)(c + 1);
	for (size_t off = 0; off + size <= PAGE_SIZE; off += size) {
		struct free_obj *o = (struct free_obj *)(mem + off);
		o->next = free_lists[c];
		free_lists[c] = o;
	}
	return true;
}

/* A zeroed block of whole pages for @size bytes, or NULL. */
static void *alloc_large(size_t size)
{
	unsigned order = 0;
	void *p;

	if (!provider)
		return early_alloc(size, 16);
	while (((size_t)PAGE_SIZE << order) < size && order < provider->max_order)
		order++;
	if (((size_t)PAGE_SIZE << order) < size)
		return NULL;
	p = provider->alloc(order, true);
	return p ? p : early_alloc(size, 16);
}

void *kmalloc(size_t size)
{
	void *p = NULL;
	bool was;

	if (size == 0)
		return NULL;
	if (size > KMALLOC_MAX_CLASS)
		return alloc_large(size);
	unsigned c = class_of(size);
	was = irq_save();
	if (free_lists[c] || grow(c)) {
		p = free_lists[c];
		free_lists[c] = free_lists[c]->next;
	}
	irq_restore(was);
	if (!p) /* no pages (a stubbed Lab 1, or out of memory): boot-time pool */
		return early_alloc(size, 16);
	memset(p, 0, (size_t)KMALLOC_MIN_CLASS << c);
	return p;
}

void kfree(void *ptr)
{
	const uint8_t *mark;
	bool was;

	if (!ptr || in_early_pool(ptr))
		return;
	if ((uintptr_t)ptr < PHYS_MAP_BASE || (uintptr_t)ptr >= KERNEL_BASE)
		panic("%p was not returned by kmalloc", ptr);
	mark = slab_mark(virt_to_phys(ptr), false);
	if (mark && *mark) {
		/* a slab page's frame holds the object */
		unsigned c = *mark - 1u;
		size_t size = (size_t)KMALLOC_MIN_CLASS << c;
		if (((uintptr_t)ptr & (PAGE_SIZE - 1)) % size)
			panic("%p is not the start of a %zu-byte object", ptr, size);
		was = irq_save();
		((struct free_obj *)ptr)->next = free_lists[c];
		free_lists[c] = ptr;
		irq_restore(was);
		return;
	}
	if (!provider || !provider->free(ptr))
		panic("%p was not returned by kmalloc", ptr);
}
