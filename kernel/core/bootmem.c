/*
 * bootmem.c - the boot's physical memory for the page allocator (see
 * <mango/bootmem.h>): usable ranges from the multiboot memory map, reserved
 * ranges from the linker's symbols and the boot information.
 */
#include <arch/memlayout.h>
#include <mango/bootinfo.h>
#include <mango/bootmem.h>
#include <mango/multiboot2.h>

#define LOW_MEMORY (1 * MiB)

extern char __kernel_phys_start[], __kernel_end[];

_Static_assert(BOOTMEM_RESERVED_MAX >= 3 + BOOT_MODULES_MAX,
	       "BOOTMEM_RESERVED_MAX must cover every boot module");

bool bootmem_usable(unsigned i, struct bootmem_range *r)
{
	for (unsigned k = 0; k < boot_info.nr_mmap; k++) {
		const struct boot_region *m = &boot_info.mmap[k];
		if (m->type != MB2_MEMORY_AVAILABLE || i-- > 0)
			continue;
		*r = (struct bootmem_range){ ALIGN_UP(m->base, PAGE_SIZE),
					     ALIGN_DOWN(m->base + m->len, PAGE_SIZE),
					     "available" };
		if (r->end < r->start)
			r->end = r->start;
		return true;
	}
	return false;
}

/* Append [start, end) rounded outwards to @out if non-empty and room. */
static void add(struct bootmem_range *out, unsigned max, unsigned *n, const char *what,
		phys_addr_t start, phys_addr_t end)
{
	if (end > start && *n < max)
		out[(*n)++] = (struct bootmem_range){ ALIGN_DOWN(start, PAGE_SIZE),
						      ALIGN_UP(end, PAGE_SIZE), what };
}

unsigned bootmem_reserved(struct bootmem_range *out, unsigned max)
{
	unsigned n = 0;

	add(out, max, &n, "first MiB", 0, LOW_MEMORY);
	add(out, max, &n, "kernel image", (phys_addr_t)(uintptr_t)__kernel_phys_start,
	    virt_to_phys(__kernel_end));
	add(out, max, &n, "multiboot information", boot_info.mbi_start, boot_info.mbi_end);
	for (unsigned i = 0; i < boot_info.nr_modules; i++)
		add(out, max, &n, "boot module", boot_info.modules[i].start,
		    boot_info.modules[i].end);
	return n;
}
