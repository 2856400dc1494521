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
 * Page-table pages come from the early allocator.
 */
#include <arch/io.h>
#include <arch/mmu.h>
#include <mango/bootinfo.h>
#include <mango/early_alloc.h>
#include <mango/panic.h>
#include <mango/printk.h>
#include <mango/string.h>

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_end[], __ksyms_start[], __kernel_end[];
extern char boot_stack_guard[];

static uint64_t *kernel_pml4;
static bool mmu_ready; /* the direct map exists: page tables reachable */
static phys_addr_t direct_map_end;

/* Kernel virtual address of a page-table page at physical @pa. */
static uint64_t *table_va(phys_addr_t pa)
{
	return mmu_ready ? phys_to_virt(pa) : boot_phys_to_virt(pa);
}

static unsigned index_at(uintptr_t va, unsigned shift)
{
	return (unsigned)((va >> shift) & PT_INDEX_MASK);
}

/* Entry @idx of @table as a pointer to the next table, allocating it. */
static uint64_t *next_table(uint64_t *table, unsigned idx)
{
	if (!(table[idx] & PTE_P)) {
		uint64_t *t = early_alloc(PAGE_SIZE, PAGE_SIZE);
		if (!t)
			panic("early pool exhausted building kernel page tables");
		table[idx] = virt_to_phys(t) | PTE_P | PTE_W;
	}
	if (table[idx] & PTE_PS)
		panic("va conflicts with a large page (entry 0x%lx)",
		      (unsigned long)table[idx]);
	return table_va(table[idx] & PTE_ADDR_MASK);
}

static void map_page(uintptr_t va, phys_addr_t pa, uint64_t flags)
{
	uint64_t *pdpt = next_table(kernel_pml4, index_at(va, PML4_SHIFT));
	uint64_t *pd = next_table(pdpt, index_at(va, PDPT_SHIFT));
	uint64_t *pt = next_table(pd, index_at(va, PD_SHIFT));
	unsigned i = index_at(va, PT_SHIFT);
	if (pt[i] & PTE_P)
		panic("remap of 0x%lx", (unsigned long)va);
	pt[i] = pa | flags | PTE_P;
}

static void map_large_page(uintptr_t va, phys_addr_t pa, uint64_t flags)
{
	uint64_t *pdpt = next_table(kernel_pml4, index_at(va, PML4_SHIFT));
	uint64_t *pd = next_table(pdpt, index_at(va, PDPT_SHIFT));
	unsigned i = index_at(va, PD_SHIFT);
	if (pd[i] & PTE_P)
		panic("remap of 0x%lx", (unsigned long)va);
	pd[i] = pa | flags | PTE_P | PTE_PS;
}

/* Map kernel image range [start, end) with @flags, skipping the guard. */
static void map_image(const char *start, const char *end, uint64_t flags)
{
	for (uintptr_t va = (uintptr_t)start; va < (uintptr_t)end; va += PAGE_SIZE)
		if (va != (uintptr_t)boot_stack_guard)
			map_page(va, va - KERNEL_BASE, flags);
}

void mmu_init(void)
{
	phys_addr_t top = ALIGN_UP(boot_mem_top(), LARGE_PAGE_SIZE);

	if (top > PHYS_MAP_MAX) {
		pr_warn("mmu: only the first %lu GiB of RAM are mapped\n",
			(unsigned long)(PHYS_MAP_MAX / GiB));
		top = PHYS_MAP_MAX;
	}
	kernel_pml4 = early_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!kernel_pml4)
		panic("early pool exhausted");

	map_image(__text_start, __text_end, 0);
	map_image(__rodata_start, __data_start, PTE_NX);
	map_image(__data_start, __bss_end, PTE_W | PTE_NX);
	map_image(__ksyms_start, __kernel_end, PTE_NX);
	for (phys_addr_t pa = 0; pa < top; pa += LARGE_PAGE_SIZE)
		map_large_page(PHYS_MAP_BASE + pa, pa, PTE_W | PTE_NX);

	write_cr3(virt_to_phys(kernel_pml4));
	mmu_ready = true;
	direct_map_end = top;
	pr_debug("mmu: kernel image 4 KiB pages, direct map [0-%lx) at %lx, %lu KiB of page tables\n",
		 (unsigned long)top, (unsigned long)PHYS_MAP_BASE,
		 (unsigned long)(early_alloc_used() / KiB));
}

phys_addr_t mmu_kernel_pml4(void)
{
	return kernel_pml4 ? virt_to_phys(kernel_pml4) : 0;
}

/*
 * mmu_is_mapped - true if @va is mapped in the current address space.
 * Safe on any address, before and after mmu_init(); used by backtraces to
 * avoid faulting on a corrupt frame pointer.
 */
bool mmu_is_mapped(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	phys_addr_t pa = read_cr3() & PTE_ADDR_MASK;
	static const unsigned shifts[] = { PML4_SHIFT, PDPT_SHIFT, PD_SHIFT, PT_SHIFT };

	/* non-canonical addresses are never mapped */
	if ((uint64_t)((int64_t)(v << 16) >> 16) != v)
		return false;
	for (unsigned level = 0; level < ARRAY_SIZE(shifts); level++) {
		uint64_t e;
		if (!mmu_ready && pa >= BOOT_MAP_SIZE)
			return false;
		if (mmu_ready && pa >= direct_map_end)
			return false;
		e = table_va(pa)[index_at(v, shifts[level])];
		if (!(e & PTE_P))
			return false;
		if (level > 0 && level < 3 && (e & PTE_PS))
			return true;
		pa = e & PTE_ADDR_MASK;
	}
	return true;
}
