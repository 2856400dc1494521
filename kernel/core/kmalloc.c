/*
 * kmalloc.c - size classes over pages (see <mango/kmalloc.h>).
 *
 * A SLAB page (VM_PAGE_SLAB on its vm_page) holds objects of one class,
 * p_slab_size bytes each; free objects are chained through their first
 * word on the class's list. A large object is an allocated block of its
 * own, told apart by the missing SLAB flag.
 */
#include <arch/io.h>
#include <arch/mmu.h>
#include <mango/early_alloc.h>
#include <mango/kmalloc.h>
#include <mango/panic.h>
#include <mango/string.h>
#include <mango/vm_page.h>

#define NR_CLASSES 8 /* 16, 32, ..., 2048 */

struct free_obj {
	struct free_obj *next;
};

static struct free_obj *free_lists[NR_CLASSES];

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

/* A new page cut into objects of class @c; false when there is none. */
static bool grow(unsigned c)
{
	size_t size = (size_t)KMALLOC_MIN_CLASS << c;
	struct vm_page *pg = vm_page_alloc(VM_PAGE_4K, 0);
	uint8_t *mem;

	if (!pg)
		return false;
	pg->p_flags |= VM_PAGE_SLAB;
	pg->p_slab_size = (uint32_t)size;
	mem = vm_page_to_virt(pg);
	for (size_t off = 0; off + size <= PAGE_SIZE; off += size) {
		struct free_obj *o = (struct free_obj *)(mem + off);
		o->next = free_lists[c];
		free_lists[c] = o;
	}
	return true;
}

void *kmalloc(size_t size)
{
	void *p = NULL;
	bool was;

	if (size == 0)
		return NULL;
	if (size > KMALLOC_MAX_CLASS) {
		unsigned order = 0;
		while (vm_page_order_bytes((enum vm_page_order)order) < size &&
		       order < VM_PAGE_MAX_ORDER)
			order++;
		if (vm_page_order_bytes((enum vm_page_order)order) < size)
			return NULL;
		struct vm_page *pg = vm_page_alloc((enum vm_page_order)order, VM_ALLOC_ZERO);
		return pg ? vm_page_to_virt(pg) : early_alloc(size, 16);
	}
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
	struct vm_page *pg;
	bool was;

	if (!ptr || in_early_pool(ptr))
		return;
	if ((uintptr_t)ptr < PHYS_MAP_BASE || (uintptr_t)ptr >= KERNEL_BASE ||
	    !(pg = vm_page_from_phys(virt_to_phys(ptr))))
		panic("%p was not returned by kmalloc", ptr);
	if (pg->p_flags & VM_PAGE_SLAB) {
		/* a slab page's frame holds the object; its vm_page is the head */
		if (((uintptr_t)ptr & (PAGE_SIZE - 1)) % pg->p_slab_size)
			panic("%p is not the start of a %u-byte object", ptr, pg->p_slab_size);
		unsigned c = class_of(pg->p_slab_size);
		was = irq_save();
		((struct free_obj *)ptr)->next = free_lists[c];
		free_lists[c] = ptr;
		irq_restore(was);
		return;
	}
	vm_page_free(pg);
}
