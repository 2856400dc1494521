/*
 * mango/vm_page.h - physical page frames and the buddy allocator (Lab 1).
 *
 * Every physical frame has a struct vm_page in one array, indexed by page
 * frame number (pfn = phys >> PAGE_SHIFT). Free memory is kept as blocks
 * of 2^order frames, aligned to their size, on one free list per order.
 */
#ifndef MANGO_VM_PAGE_H_
#define MANGO_VM_PAGE_H_

#include <mango/btree.h>
#include <mango/queue.h>
#include <mango/types.h>
#include <mango/vm_arch.h> /* PAGE_SHIFT */

/* Block sizes. VM_PAGE_MAX_ORDER (4 MiB) is the largest block. */
enum vm_page_order {
	VM_PAGE_4K = 0,
	VM_PAGE_8K,
	VM_PAGE_16K,
	VM_PAGE_32K,
	VM_PAGE_64K,
	VM_PAGE_128K,
	VM_PAGE_256K,
	VM_PAGE_512K,
	VM_PAGE_1M,
	VM_PAGE_2M,
	VM_PAGE_4M,
	VM_PAGE_MAX_ORDER = VM_PAGE_4M,
};
#define VM_PAGE_NR_ORDERS (VM_PAGE_MAX_ORDER + 1)

/* vm_page_order_bytes - bytes in a block of @order. */
static inline size_t vm_page_order_bytes(enum vm_page_order order)
{
	return (size_t)1 << (PAGE_SHIFT + order);
}

/* p_flags: the state of a frame. Exactly one of FREE, ALLOCATED, RESERVED
 * is set on the first frame (the head) of a block; the other frames of a
 * block have none of them. */
enum vm_page_flags {
	VM_PAGE_FREE = 0x1,      /* head of a free block, on free list p_order */
	VM_PAGE_ALLOCATED = 0x2, /* head of an allocated block of p_order */
	VM_PAGE_RESERVED = 0x4,  /* never available: firmware, kernel, ... */
};

enum vm_alloc_flags {
	VM_ALLOC_ZERO = 0x1, /* fill the block with zeroes */
};

/*
 * struct vm_page - 64 bytes per 4 KiB frame (1.6% of memory).
 * Locking: the allocator's fields (p_flags, p_order, p_link while free)
 * belong to the page allocator and are changed with interrupts off;
 * once allocated, p_link, p_node and p_vmo_offset belong to the owner.
 */
struct vm_page {
	uint16_t p_flags;         /* enum vm_page_flags */
	uint8_t p_order;          /* block order, on a block's head frame */
	uint8_t p_reserved[5];    /* unused: keeps the fields below aligned */
	off_t p_vmo_offset;       /* Lab 3: offset in the owning vm_object */
	struct btree_node p_node; /* Lab 3: node in the vm_object's page tree */
	struct queue_entry p_link; /* free list while free; owner's after */
};

struct vm_page_stats {
	size_t frames;        /* frames covered by the page array */
	size_t free;          /* free frames */
	size_t reserved;      /* frames never handed out */
	size_t allocated;     /* frames in allocated blocks */
	size_t free_blocks[VM_PAGE_NR_ORDERS];
};

/*
 * vm_page_alloc - a block of 2^@order frames, aligned to its size, with
 * the head frame's struct vm_page returned; NULL when no block that large
 * is free (never panics for lack of memory) or @order is out of range.
 */
struct vm_page *vm_page_alloc(enum vm_page_order order, unsigned flags);

/*
 * vm_page_free - give back the block headed by @page. Panics (an invariant
 * is broken) if @page is not the head of an allocated block: a double
 * free, a reserved frame, a frame inside a block (the wrong order), or a
 * pointer that is not in the page array at all.
 */
void vm_page_free(struct vm_page *page);

/* Conversions. vm_page_from_phys() returns NULL outside the array. */
phys_addr_t vm_page_to_phys(const struct vm_page *page);
struct vm_page *vm_page_from_phys(phys_addr_t pa);
void *vm_page_to_virt(const struct vm_page *page);

void vm_page_get_stats(struct vm_page_stats *st);

/* vm_page_nr_free - the free frames of vm_page_get_stats() (what the test
 * suites' leak checks count). */
static inline size_t vm_page_nr_free(void)
{
	struct vm_page_stats st;

	vm_page_get_stats(&st);
	return st.free;
}

/* vm_page_check - verify every allocator invariant; panics on the first
 * broken one, naming it (see vm/vm_page.c). */
void vm_page_check(void);

/* Setting up (vm/vm_page_init.c does it from the boot memory map; host tests
 * do it over a fake one): every frame starts reserved; add_range frees the
 * frames of [start, end) into the allocator. */
void vm_page_allocator_init(struct vm_page *array, size_t nr_frames);
void vm_page_add_range(phys_addr_t start, phys_addr_t end);

/* Debugging: poison freed blocks, and check the poison on allocation. */
void vm_page_set_debug(bool poison, bool check);

#define VM_PAGE_POISON 0x6B /* freed memory reads as 0x6b6b6b6b... */

/* vm_page_init - the kernel's page allocator from boot_info (vm_page_init.c),
 * run at boot as an initcall, which also makes it kmalloc's page provider. */
void vm_page_init(void);

/* vm_page_reserved_ranges - the physical ranges vm_page_init() kept back
 * (first MiB, kernel, boot information, modules, page array). */
unsigned vm_page_reserved_ranges(phys_addr_t *starts, phys_addr_t *ends, unsigned max);

#endif /* MANGO_VM_PAGE_H_ */
