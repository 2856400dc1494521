/*
 * vm_page.c - the buddy allocator of physical frames (Lab 1).
 *
 * A free block of order k is 2^k frames starting at a pfn that is a
 * multiple of 2^k; its buddy is the block at pfn ^ 2^k. Allocation takes
 * the smallest free block that fits and splits it in halves down to the
 * order asked for; freeing merges a block with its buddy for as long as
 * the buddy is free and of the same order.
 *
 * Invariants (vm_page_check() verifies them all; cited as [In]):
 *   [I1] nr_free_blocks[k] is the length of free list k, for every k.
 *   [I2] every block on free list k has its head frame marked VM_PAGE_FREE
 *        with p_order == k, and none of its other frames is a block head.
 *   [I3] a free block of order k starts at a pfn that is a multiple of 2^k
 *        and lies entirely inside the page array.
 *   [I4] no two buddies of the same order k < MAX are both free blocks
 *        (they would have been merged).
 *   [I5] reserved frames are never inside a free or allocated block.
 *   [I6] free + allocated + reserved frames == nr_frames, where the free
 *        frames are the sum over k of nr_free_blocks[k] << k (a total is
 *        derived, not kept: one counter less to update on every call).
 *
 * Locking: the state below is changed with interrupts off (irq_save);
 * Mango runs on one CPU, so that makes each call atomic.
 */
#include <mango/vm_arch.h>
#include <mango/vm_page.h>

static struct {
	struct vm_page *pages;  /* one per frame, pfn 0 .. nr_frames - 1 */
	size_t nr_frames;
	struct queue free[VM_PAGE_NR_ORDERS];
	size_t nr_free_blocks[VM_PAGE_NR_ORDERS];
	size_t nr_reserved;
	bool poison, check_poison;
} pa;

static size_t pfn_of(const struct vm_page *p)
{
	return (size_t)(p - pa.pages);
}

phys_addr_t vm_page_to_phys(const struct vm_page *page)
{
	return (phys_addr_t)pfn_of(page) << PAGE_SHIFT;
}

struct vm_page *vm_page_from_phys(phys_addr_t pa_)
{
	size_t pfn = (size_t)(pa_ >> PAGE_SHIFT);
	return pfn < pa.nr_frames ? &pa.pages[pfn] : NULL;
}

void *vm_page_to_virt(const struct vm_page *page)
{
	return phys_to_virt(vm_page_to_phys(page));
}

/* Set before vm_page_add_range(): checking needs memory poisoned from the start. */
void vm_page_set_debug(bool poison, bool check)
{
	pa.poison = poison;
	pa.check_poison = poison && check; /* the check needs poisoned frees */
}

void vm_page_allocator_init(struct vm_page *array, size_t nr_frames)
{
	pa.pages = array;
	pa.nr_frames = nr_frames;
	for (size_t i = 0; i < nr_frames; i++)
		array[i] = (struct vm_page){ .p_flags = VM_PAGE_RESERVED };
	for (int k = 0; k < VM_PAGE_NR_ORDERS; k++) {
		queue_init(&pa.free[k]);
		pa.nr_free_blocks[k] = 0;
	}
	pa.nr_reserved = nr_frames;
}

/* ------------------------------------------------------------------------
 * The buddy core: the student's part of Lab 1. buddy_alloc() and
 * buddy_free() keep [I1]-[I4]; the wrappers further down handle
 * flags, poisoning and zeroing.
 */

// LAB 1 SOLUTION BEGIN
/* Put the free block headed by @p, of @order, on its list. [I1] [I2] */
static inline void free_list_add(struct vm_page *p, unsigned order)
{
	p->p_flags = VM_PAGE_FREE;
	p->p_order = (uint8_t)order;
	queue_push_front(&pa.free[order], &p->p_link);
	pa.nr_free_blocks[order]++;
}

/* Take the free block headed by @p, of @order, off its list. [I1]
 * p_flags stays FREE: the block's next owner rewrites it. */
static inline void free_list_remove(struct vm_page *p, unsigned order)
{
	queue_delete(&p->p_link);
	pa.nr_free_blocks[order]--;
}

/* The buddy of the block headed by @p, of @order, if that buddy is a
 * free block of the same order; NULL if it is not, or if @order is the
 * largest (a block of the largest order has no buddy to merge with). */
static inline struct vm_page *free_buddy(struct vm_page *p, unsigned order)
{
	size_t buddy = pfn_of(p) ^ ((size_t)1 << order);
	struct vm_page *b;

	if (order >= VM_PAGE_MAX_ORDER || buddy + ((size_t)1 << order) > pa.nr_frames) /* [I3] */
		return NULL;
	b = &pa.pages[buddy];
	return (b->p_flags & VM_PAGE_FREE) && b->p_order == order ? b : NULL;
}

/*
 * The two loops, out of line so that the common cases in buddy_alloc()
 * and buddy_free() (a block of the right size is free; the buddy is not)
 * stay a few instructions long and need no saved registers.
 *
 * alloc_split - no block of @order is free: take the smallest larger one
 * and halve it down to @order, keeping the lower half and freeing each
 * upper half. Returns the lower half's head, or NULL if nothing is free.
 */
static __attribute__((noinline)) struct vm_page *alloc_split(unsigned order)
{
	unsigned k = order + 1;
	struct vm_page *p;

	while (k < VM_PAGE_NR_ORDERS && queue_empty(&pa.free[k]))
		k++;
	if (k == VM_PAGE_NR_ORDERS)
		return NULL;
	p = container_of(queue_first(&pa.free[k]), struct vm_page, p_link);
	free_list_remove(p, k);
	while (k > order) {
		k--;
		free_list_add(p + ((size_t)1 << k), k); /* [I3]: aligned to 2^k */
	}
	p->p_order = (uint8_t)order;
	return p;
}

/* free_merge - @p of @order has the free buddy @b: merge, and go on
 * merging as long as the merged block's buddy is free too. [I4] */
static __attribute__((noinline)) void free_merge(struct vm_page *p, struct vm_page *b,
						 unsigned order)
{
	do {
		free_list_remove(b, order);
		/* the merged block starts at the lower buddy; the upper
		 * one's head becomes an ordinary frame inside it [I2] */
		if (b < p) {
			p->p_flags = 0;
			p = b;
		} else {
			b->p_flags = 0;
		}
		order++;
	} while ((b = free_buddy(p, order)) != NULL);
	free_list_add(p, order);
}
// LAB 1 STUB: /* Lab 1, Exercise 4: helpers of your own go here, for instance
// LAB 1 STUB:  * free_list_add(p, order) and free_list_remove(p, order), which put a
// LAB 1 STUB:  * free block on its list and take it off, keeping [I1] and [I2]. */
// LAB 1 SOLUTION END

/*
 * buddy_alloc - take a free block of exactly @order off the lists,
 * splitting a larger one if none that size is free. Returns the block's
 * head frame with p_order == @order, or NULL if no block of @order or
 * larger is free.
 */
static inline struct vm_page *buddy_alloc(unsigned order)
{
	// LAB 1 SOLUTION BEGIN
	struct vm_page *p;

	if (__builtin_expect(queue_empty(&pa.free[order]), 0))
		return alloc_split(order);
	p = container_of(queue_first(&pa.free[order]), struct vm_page, p_link);
	free_list_remove(p, order); /* [I2]: its p_order is already @order */
	return p;
	// LAB 1 STUB: /* Lab 1, Exercise 3: find the smallest free block of at
	// LAB 1 STUB:  * least @order, split it down to @order, return its head. */
	// LAB 1 STUB: (void)order;
	// LAB 1 STUB: return NULL;
	// LAB 1 SOLUTION END
}

/*
 * buddy_free - put back the block headed by @p, of @order, merging it
 * with its buddy for as long as the buddy is a free block of the same
 * order. [I4]
 */
static inline void buddy_free(struct vm_page *p, unsigned order)
{
	// LAB 1 SOLUTION BEGIN
	struct vm_page *b = free_buddy(p, order);

	if (__builtin_expect(b != NULL, 0))
		free_merge(p, b, order);
	else
		free_list_add(p, order);
	// LAB 1 STUB: /* Lab 1, Exercise 4: merge with free buddies, then put the
	// LAB 1 STUB:  * block on its free list, keeping the counts right. */
	// LAB 1 STUB: (void)p;
	// LAB 1 STUB: (void)order;
	// LAB 1 SOLUTION END
}

/* ------------------------------------------------------------------------
 * The public interface (given).
 */

static void poison_check(const struct vm_page *p, unsigned order)
{
	const uint8_t *mem = vm_page_to_virt(p);
	size_t n = vm_page_order_bytes((enum vm_page_order)order);

	for (size_t i = 0; i < n; i++)
		if (mem[i] != VM_PAGE_POISON)
			panic("use after free: frame 0x%lx byte %zu is 0x%02x, not poison 0x%02x",
			      (unsigned long)vm_page_to_phys(p), i, mem[i], VM_PAGE_POISON);
}

/* Take a block of @order from the buddy core and mark it allocated;
 * NULL if none is free. */
static inline struct vm_page *take_block(unsigned order)
{
	bool was = irq_save();
	struct vm_page *p = buddy_alloc(order);

	if (p)
		p->p_flags = VM_PAGE_ALLOCATED; /* p_link was unlinked (NULL) by the free list */
	irq_restore(was);
	return p;
}

/* vm_page_alloc() with zeroing or the use-after-free check: out of line,
 * so that the common path saves no registers. */
static __attribute__((noinline)) struct vm_page *alloc_and_fill(unsigned order, unsigned flags)
{
	struct vm_page *p = take_block(order);

	if (!p)
		return NULL;
	if (pa.check_poison)
		poison_check(p, order);
	if (flags & VM_ALLOC_ZERO)
		memset(vm_page_to_virt(p), 0, vm_page_order_bytes((enum vm_page_order)order));
	return p;
}

struct vm_page *vm_page_alloc(enum vm_page_order order, unsigned flags)
{
	if ((unsigned)order > VM_PAGE_MAX_ORDER)
		return NULL;
	if ((flags & VM_ALLOC_ZERO) || pa.check_poison)
		return alloc_and_fill(order, flags);
	return take_block(order);
}

/* Give the allocated block headed by @page back to the buddy core. */
static inline void put_block(struct vm_page *page)
{
	bool was = irq_save();

	buddy_free(page, page->p_order); /* rewrites page->p_flags */
	irq_restore(was);
}

/* vm_page_free() with poisoning: out of line, like alloc_and_fill(). */
static __attribute__((noinline)) void free_poisoned(struct vm_page *page)
{
	memset(vm_page_to_virt(page), VM_PAGE_POISON,
	       vm_page_order_bytes((enum vm_page_order)page->p_order));
	put_block(page);
}

void vm_page_free(struct vm_page *page)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)pa.pages; /* wraps when below */

	if (__builtin_expect(off >= pa.nr_frames * sizeof(*page) || off % sizeof(*page), 0))
		panic("%p is not a struct vm_page of this allocator", (void *)page);
	if (__builtin_expect(page->p_flags != VM_PAGE_ALLOCATED, 0)) {
		if (page->p_flags & VM_PAGE_RESERVED)
			panic("frame 0x%lx is reserved", (unsigned long)vm_page_to_phys(page));
		if (page->p_flags & VM_PAGE_FREE)
			panic("double free of frame 0x%lx (order %u)",
			      (unsigned long)vm_page_to_phys(page), page->p_order);
		if (!(page->p_flags & VM_PAGE_ALLOCATED))
			panic("frame 0x%lx is not the head of an allocated block (freed twice, or "
			      "with the wrong order?)", (unsigned long)vm_page_to_phys(page));
	}
	if (pa.poison)
		free_poisoned(page);
	else
		put_block(page);
}

void vm_page_add_range(phys_addr_t start, phys_addr_t end)
{
	size_t pfn = (size_t)((start + PAGE_SIZE - 1) >> PAGE_SHIFT);
	size_t last = (size_t)(end >> PAGE_SHIFT);
	bool was = irq_save();

	if (last > pa.nr_frames)
		last = pa.nr_frames;
	if (pa.check_poison && pfn < last) /* so that the first allocations pass the check */
		memset(phys_to_virt((phys_addr_t)pfn << PAGE_SHIFT), VM_PAGE_POISON,
		       (last - pfn) << PAGE_SHIFT);
	while (pfn < last) {
		/* the largest aligned block that fits [I3] */
		unsigned order = 0;
		while (order < VM_PAGE_MAX_ORDER && !(pfn & ((size_t)1 << order)) &&
		       pfn + ((size_t)2 << order) <= last)
			order++;
		for (size_t i = 0; i < ((size_t)1 << order); i++) {
			if (!(pa.pages[pfn + i].p_flags & VM_PAGE_RESERVED))
				panic("frame 0x%lx added twice", (unsigned long)(pfn + i) << PAGE_SHIFT);
			pa.pages[pfn + i].p_flags = 0;
		}
		pa.nr_reserved -= (size_t)1 << order;
		buddy_free(&pa.pages[pfn], order);
		pfn += (size_t)1 << order;
	}
	irq_restore(was);
}

void vm_page_get_stats(struct vm_page_stats *st)
{
	bool was = irq_save();

	st->frames = pa.nr_frames;
	st->free = 0;
	for (int k = 0; k < VM_PAGE_NR_ORDERS; k++) {
		st->free_blocks[k] = pa.nr_free_blocks[k];
		st->free += pa.nr_free_blocks[k] << k;
	}
	st->reserved = pa.nr_reserved;
	st->allocated = pa.nr_frames - st->free - pa.nr_reserved;
	irq_restore(was);
}

void vm_page_check(void)
{
	size_t free_pages = 0, reserved = 0, allocated = 0;
	bool was = irq_save();

	for (unsigned k = 0; k < VM_PAGE_NR_ORDERS; k++) {
		size_t n = 0;
		queue_foreach(e, &pa.free[k]) {
			struct vm_page *p = container_of(e, struct vm_page, p_link);
			size_t pfn = pfn_of(p), size = (size_t)1 << k;
			n++;
			if (p < pa.pages || pfn >= pa.nr_frames || pfn + size > pa.nr_frames)
				panic("[I3] a block on free list %u lies outside the page array", k);
			if (p->p_flags != VM_PAGE_FREE || p->p_order != k)
				panic("[I2] frame 0x%lx on free list %u has flags 0x%x order %u",
				      (unsigned long)vm_page_to_phys(p), k, p->p_flags, p->p_order);
			if (pfn & (size - 1))
				panic("[I3] free block at frame 0x%lx is not aligned to order %u",
				      (unsigned long)vm_page_to_phys(p), k);
			for (size_t i = 1; i < size; i++)
				if (pa.pages[pfn + i].p_flags)
					panic("[I2] frame 0x%lx inside free block 0x%lx has flags 0x%x",
					      (unsigned long)(pfn + i) << PAGE_SHIFT,
					      (unsigned long)vm_page_to_phys(p), pa.pages[pfn + i].p_flags);
			if (k < VM_PAGE_MAX_ORDER) {
				size_t b = pfn ^ size;
				if (b + size <= pa.nr_frames && pa.pages[b].p_flags == VM_PAGE_FREE &&
				    pa.pages[b].p_order == k)
					panic("[I4] buddies 0x%lx and 0x%lx of order %u are both free",
					      (unsigned long)vm_page_to_phys(p),
					      (unsigned long)b << PAGE_SHIFT, k);
			}
			free_pages += size;
		}
		if (n != pa.nr_free_blocks[k])
			panic("[I1] free list %u has %zu blocks, the count says %zu", k, n,
			      pa.nr_free_blocks[k]);
	}
	for (size_t pfn = 0; pfn < pa.nr_frames;) {
		const struct vm_page *p = &pa.pages[pfn];
		if (p->p_flags & VM_PAGE_RESERVED) {
			reserved++;
			pfn++;
		} else if (p->p_flags & (VM_PAGE_FREE | VM_PAGE_ALLOCATED)) {
			size_t size = (size_t)1 << p->p_order;
			for (size_t i = 0; i < size && pfn + i < pa.nr_frames; i++)
				if (pa.pages[pfn + i].p_flags & VM_PAGE_RESERVED)
					panic("[I5] reserved frame 0x%lx inside the block at 0x%lx",
					      (unsigned long)(pfn + i) << PAGE_SHIFT,
					      (unsigned long)pfn << PAGE_SHIFT);
			if (p->p_flags & VM_PAGE_ALLOCATED)
				allocated += size;
			pfn += size;
		} else {
			panic("[I6] frame 0x%lx belongs to no block", (unsigned long)pfn << PAGE_SHIFT);
		}
	}
	if (reserved != pa.nr_reserved || free_pages + allocated + reserved != pa.nr_frames)
		panic("[I6] %zu free + %zu allocated + %zu reserved != %zu frames (reserved count %zu)",
		      free_pages, allocated, reserved, pa.nr_frames, pa.nr_reserved);
	irq_restore(was);
}
