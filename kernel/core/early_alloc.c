/*
 * early_alloc.c - bump allocation from a .bss pool (see <mango/early_alloc.h>).
 */
#include <arch/memlayout.h>
#include <mango/early_alloc.h>

static uint8_t pool[EARLY_POOL_SIZE] __aligned(PAGE_SIZE);
static size_t used; /* bytes handed out, including alignment padding */

void *early_alloc(size_t size, size_t align)
{
	size_t start;

	if (align == 0 || (align & (align - 1)))
		return NULL;
	start = ALIGN_UP(used, align);
	if (start > sizeof(pool) || size > sizeof(pool) - start)
		return NULL;
	used = start + size;
	return pool + start; /* .bss is zeroed at boot and never reused */
}

size_t early_alloc_used(void)
{
	return used;
}

void early_pool_range(phys_addr_t *start, phys_addr_t *end)
{
	*start = virt_to_phys(pool);
	*end = virt_to_phys(pool + sizeof(pool));
}
