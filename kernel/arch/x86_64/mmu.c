/*
 * mmu.c - the kernel's own page tables, replacing boot.S's.
 *
 * After mmu_init():
 *   - the kernel image is mapped at KERNEL_BASE + phys with 4 KiB pages and
 *     per-segment rights: .text R-X, .rodata and .ksyms R--, .data/.bss RW-
 *     (W^X), except the page below the boot stack (the guard page);
 *   - all RAM the memory map reports, [0, boot_mem_top()), is mapped RW-
 *     at PHYS_MAP_BASE + phys with 2 MiB pages (the direct map);
 *   - nothing is mapped in the lower half, so a NULL or user-half
 *     dereference from the kernel page-faults.
 * The tables are the kernel pmap's (pmap.c), built with pmap_enter(); their
 * pages come from the early pool, as the page allocator is not up yet.
 */
#include <arch/io.h>
#include <arch/mmu.h>
#include <arch/pmap.h>
#include <mango/bootinfo.h>
#include <mango/early_alloc.h>
#include <mango/panic.h>
#include <mango/printk.h>

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_end[], __ksyms_start[], __kernel_end[];
extern char boot_stack_guard[];

/* Map @va to @pa (2^@order pages) in the kernel pmap, or panic: the
 * kernel cannot run without these mappings. */
static void map_or_panic(uintptr_t va, phys_addr_t pa, unsigned order, enum vm_prot prot)
{
	kern_status_t st = pmap_enter(pmap_kernel(), va, pa, order, prot);

	if (st != KERN_OK)
		panic("cannot map 0x%lx: %s", (unsigned long)va, kern_status_name(st));
}

/* Map kernel image range [start, end) with @prot, skipping the guard. */
static void map_image(const char *start, const char *end, enum vm_prot prot)
{
	for (uintptr_t va = (uintptr_t)start; va < (uintptr_t)end; va += PAGE_SIZE)
		if (va != (uintptr_t)boot_stack_guard)
			map_or_panic(va, va - KERNEL_BASE, 0, prot);
}

void mmu_init(void)
{
	phys_addr_t top = ALIGN_UP(boot_mem_top(), LARGE_PAGE_SIZE);

	if (top > PHYS_MAP_MAX) {
		pr_warn("mmu: only the first %lu GiB of RAM are mapped\n",
			(unsigned long)(PHYS_MAP_MAX / GiB));
		top = PHYS_MAP_MAX;
	}
	pmap_bootstrap();
	map_image(__text_start, __text_end, VM_PROT_READ | VM_PROT_EXEC);
	map_image(__rodata_start, __data_start, VM_PROT_READ);
	map_image(__data_start, __bss_end, VM_PROT_READ | VM_PROT_WRITE);
	map_image(__ksyms_start, __kernel_end, VM_PROT_READ);
	for (phys_addr_t pa = 0; pa < top; pa += LARGE_PAGE_SIZE)
		map_or_panic(PHYS_MAP_BASE + pa, pa, LARGE_PAGE_SHIFT - PAGE_SHIFT,
			     VM_PROT_READ | VM_PROT_WRITE);

	pmap_activate(pmap_kernel());
	pmap_direct_map_ready(top);
	pr_debug("mmu: kernel image 4 KiB pages, direct map [0-%lx) at %lx, %lu KiB of page tables\n",
		 (unsigned long)top, (unsigned long)PHYS_MAP_BASE,
		 (unsigned long)(early_alloc_used() / KiB));
}

/*
 * mmu_is_mapped - true if @va is mapped in the current address space.
 * Safe on any address, before and after mmu_init(); used by backtraces to
 * avoid faulting on a corrupt frame pointer.
 */
bool mmu_is_mapped(const void *va)
{
	return pmap_is_mapped((uintptr_t)va);
}
