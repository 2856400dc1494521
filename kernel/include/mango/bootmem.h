/*
 * mango/bootmem.h - physical memory as the boot found it, for whoever
 * builds a page allocator on top (vm/vm_page_init.c): which ranges are
 * RAM, and which of that RAM is already in use before any allocator runs.
 * The memory map, the linker's symbols and the boot loader's structures
 * stay behind this interface (kernel/core/bootmem.c).
 */
#ifndef MANGO_BOOTMEM_H_
#define MANGO_BOOTMEM_H_

#include <mango/types.h>

/* Ranges bootmem_reserved() can report: first MiB, kernel image,
 * boot information, and one per boot module. */
#define BOOTMEM_RESERVED_MAX (3 + 8)

/* A physical range [start, end), page aligned, with what it holds. */
struct bootmem_range {
	phys_addr_t start, end;
	const char *what;
};

/*
 * bootmem_usable - the @i-th range of usable RAM (in memory-map order), in
 * *@r, rounded inwards to whole pages; false past the last one. Usable
 * RAM includes what bootmem_reserved() lists: subtract that.
 */
bool bootmem_usable(unsigned i, struct bootmem_range *r);

/*
 * bootmem_reserved - the RAM in use before any allocator, rounded outwards
 * to whole pages: the first MiB (firmware data, real-mode leftovers), the
 * kernel image (with .bss, the boot stacks and the early pool), the boot
 * loader's information and the boot modules. Fills up to @max entries of
 * @out and returns how many it filled.
 */
unsigned bootmem_reserved(struct bootmem_range *out, unsigned max);

#endif /* MANGO_BOOTMEM_H_ */
