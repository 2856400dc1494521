/*
 * vm_page_init.c - hand the boot's physical memory to the page allocator
 * (given).
 *
 * kernel/ says which RAM is usable and which of it is already in use
 * (<mango/bootmem.h>: the first MiB, the kernel image with .bss and the
 * early pool, the boot information, boot modules); this file places the
 * page array in what is left and frees the rest. Nothing that is not
 * usable RAM is ever handed out.
 */
#include <mango/bootmem.h>
#include <mango/vm_arch.h>
#include <mango/vm_page.h>

_Static_assert(sizeof(struct vm_page) == 64, "struct vm_page should stay 64 bytes");

#define MAX_RESERVED (BOOTMEM_RESERVED_MAX + 1) /* the boot's, and the page array */

static struct bootmem_range reserved[MAX_RESERVED];
static unsigned nr_reserved_ranges;
static phys_addr_t array_phys;
static size_t array_bytes;

/* First reserved range overlapping [start, end), or NULL. */
static const struct bootmem_range *overlap(phys_addr_t start, phys_addr_t end)
{
	for (unsigned i = 0; i < nr_reserved_ranges; i++)
		if (reserved[i].start < end && start < reserved[i].end)
			return &reserved[i];
	return NULL;
}

/* Lowest page-aligned place for @bytes in usable RAM outside every
 * reserved range; 0 when there is none. */
static phys_addr_t find_room(size_t bytes)
{
	struct bootmem_range r;

	for (unsigned i = 0; bootmem_usable(i, &r); i++) {
		phys_addr_t a = r.start;
		const struct bootmem_range *o;
		while (a + bytes <= r.end && (o = overlap(a, a + bytes)))
			a = o->end;
		if (a + bytes <= r.end)
			return a;
	}
	return 0;
}

/* Free [start, end) minus every reserved range. */
static void add_available(phys_addr_t start, phys_addr_t end)
{
	const struct bootmem_range *o;
	while (start < end) {
		o = NULL;
		for (unsigned i = 0; i < nr_reserved_ranges; i++)
			if (reserved[i].end > start && reserved[i].start < end &&
			    (!o || reserved[i].start < o->start))
				o = &reserved[i];
		if (!o) {
			pr_debug("pages: free [%lx-%lx)\n", (unsigned long)start, (unsigned long)end);
			vm_page_add_range(start, end);
			return;
		}
		if (o->start > start) {
			pr_debug("pages: free [%lx-%lx)\n", (unsigned long)start, (unsigned long)o->start);
			vm_page_add_range(start, o->start);
		}
		start = o->end;
	}
}

void vm_page_init(void)
{
	phys_addr_t top = 0;
	size_t frames;
	struct bootmem_range r;
	struct vm_page_stats st;

	for (unsigned i = 0; bootmem_usable(i, &r); i++)
		top = MAX(top, r.end);
	frames = (size_t)(top >> PAGE_SHIFT);
	nr_reserved_ranges = bootmem_reserved(reserved, BOOTMEM_RESERVED_MAX);
	for (unsigned i = 0; i < nr_reserved_ranges; i++)
		pr_debug("pages: reserve [%lx-%lx) %s\n", (unsigned long)reserved[i].start,
			 (unsigned long)reserved[i].end, reserved[i].what);

	array_bytes = ALIGN_UP(frames * sizeof(struct vm_page), PAGE_SIZE);
	array_phys = find_room(array_bytes);
	if (!array_phys)
		panic("no room for a %zu KiB page array below 0x%lx", (size_t)(array_bytes / KiB),
		      (unsigned long)top);
	reserved[nr_reserved_ranges++] = (struct bootmem_range){ array_phys,
								 array_phys + array_bytes,
								 "page array" };

	vm_page_allocator_init(phys_to_virt(array_phys), frames);
	for (unsigned i = 0; bootmem_usable(i, &r); i++)
		add_available(r.start, r.end);
	vm_page_get_stats(&st);
	pr_info("pages: %zu frames, %zu free (%zu KiB), %zu reserved; page array %zu KiB "
		"(%zu B a frame) at 0x%lx\n",
		st.frames, st.free, st.free * (size_t)(PAGE_SIZE / KiB), st.reserved,
		(size_t)(array_bytes / KiB), sizeof(struct vm_page), (unsigned long)array_phys);
}

/* vm_page_reserved_ranges - for tests: the ranges never handed out. */
unsigned vm_page_reserved_ranges(phys_addr_t *starts, phys_addr_t *ends, unsigned max)
{
	unsigned n = MIN(max, nr_reserved_ranges);
	for (unsigned i = 0; i < n; i++) {
		starts[i] = reserved[i].start;
		ends[i] = reserved[i].end;
	}
	return n;
}
