/*
 * vm_page_init.c - hand the boot memory map to the page allocator (given).
 *
 * Never handed out: the first MiB (BIOS data, real-mode leftovers), the
 * kernel image (which includes .bss and the early allocator's pool), the
 * multiboot information, boot modules, the page array itself, and every
 * frame the memory map does not mark available.
 */
#include <mango/bootinfo.h>
#include <mango/multiboot2.h>
#include <mango/vm_arch.h>
#include <mango/vm_page.h>

_Static_assert(sizeof(struct vm_page) == 64, "struct vm_page should stay 64 bytes");

#define LOW_MEMORY (1 * MiB)
#define MAX_RESERVED (4 + BOOT_MODULES_MAX)

extern char __kernel_phys_start[], __kernel_end[];

static struct range {
	phys_addr_t start, end;
} reserved[MAX_RESERVED];
static unsigned nr_reserved_ranges;
static phys_addr_t array_phys;
static size_t array_bytes;

static void reserve(const char *what, phys_addr_t start, phys_addr_t end)
{
	if (end > start && nr_reserved_ranges < MAX_RESERVED) {
		reserved[nr_reserved_ranges++] = (struct range){ ALIGN_DOWN(start, PAGE_SIZE),
								 ALIGN_UP(end, PAGE_SIZE) };
		pr_debug("pages: reserve [%lx-%lx) %s\n", (unsigned long)ALIGN_DOWN(start, PAGE_SIZE),
			 (unsigned long)ALIGN_UP(end, PAGE_SIZE), what);
	}
}

/* First reserved range overlapping [start, end), or NULL. */
static const struct range *overlap(phys_addr_t start, phys_addr_t end)
{
	for (unsigned i = 0; i < nr_reserved_ranges; i++)
		if (reserved[i].start < end && start < reserved[i].end)
			return &reserved[i];
	return NULL;
}

/* Lowest page-aligned place for @bytes in available RAM above 1 MiB. */
static phys_addr_t find_room(size_t bytes)
{
	for (unsigned i = 0; i < boot_info.nr_mmap; i++) {
		const struct boot_region *r = &boot_info.mmap[i];
		phys_addr_t a, end = ALIGN_DOWN(r->base + r->len, PAGE_SIZE);
		const struct range *o;
		if (r->type != MB2_MEMORY_AVAILABLE)
			continue;
		a = ALIGN_UP(MAX(r->base, (phys_addr_t)LOW_MEMORY), PAGE_SIZE);
		while (a + bytes <= end && (o = overlap(a, a + bytes)))
			a = o->end;
		if (a + bytes <= end)
			return a;
	}
	return 0;
}

/* Free [start, end) minus every reserved range. */
static void add_available(phys_addr_t start, phys_addr_t end)
{
	const struct range *o;
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
	phys_addr_t top = boot_mem_top();
	size_t frames = (size_t)(top >> PAGE_SHIFT);
	struct vm_page_stats st;

	reserve("first MiB", 0, LOW_MEMORY);
	reserve("kernel image", (phys_addr_t)(uintptr_t)__kernel_phys_start, virt_to_phys(__kernel_end));
	reserve("multiboot information", boot_info.mbi_start, boot_info.mbi_end);
	for (unsigned i = 0; i < boot_info.nr_modules; i++)
		reserve("boot module", boot_info.modules[i].start, boot_info.modules[i].end);

	array_bytes = ALIGN_UP(frames * sizeof(struct vm_page), PAGE_SIZE);
	array_phys = find_room(array_bytes);
	if (!array_phys)
		panic("no room for a %zu KiB page array below 0x%lx", (size_t)(array_bytes / KiB),
		      (unsigned long)top);
	reserve("page array", array_phys, array_phys + array_bytes);

	vm_page_allocator_init(phys_to_virt(array_phys), frames);
	for (unsigned i = 0; i < boot_info.nr_mmap; i++) {
		const struct boot_region *r = &boot_info.mmap[i];
		if (r->type == MB2_MEMORY_AVAILABLE)
			add_available(MAX(r->base, (phys_addr_t)LOW_MEMORY), MIN(r->base + r->len, top));
	}
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
