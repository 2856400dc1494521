/*
 * pmap_mmu.c - the kernel's answers to <arch/pmap_machine.h>: where the
 * portable pmap (pmap.c) gets table pages, how it reaches them, and the
 * CPU's CR3 and TLB.
 *
 * Table pages come from kmalloc's page provider (the page allocator, once
 * vm/ has registered it and it has memory) and otherwise from the early
 * pool (always, before the page allocator is up). Provider pages go back
 * when a table empties; early-pool pages are never reused. Before
 * mmu_init() has the direct map up, tables are reached through the boot
 * map of the first GiB (the early pool is in the kernel image).
 */
#include <arch/io.h>
#include <arch/memlayout.h>
#include <arch/pmap.h>
#include <arch/pmap_machine.h>
#include <mango/early_alloc.h>
#include <mango/kmalloc.h>
#include <mango/panic.h>

static phys_addr_t direct_map_end; /* 0 until the direct map is live */
static size_t tables_outstanding;  /* provider pages held, every pmap */

bool pt_machine_init(void)
{
	uint32_t a, b, c, d;

	if (!(rdmsr(MSR_EFER) & EFER_NXE))
		panic("EFER.NXE is off: the kernel's mappings rely on NX");
	cpuid(CPUID_EXT_FEATURES, &a, &b, &c, &d);
	return (d & CPUID_EXT_EDX_PDPE1GB) != 0;
}

/* Whether table page @p (by its image or its direct-map address: a table
 * is reached through the latter once the direct map is up) is the early
 * pool's. */
static bool in_early_pool(const void *p)
{
	phys_addr_t s, e, pa = virt_to_phys(p);
	early_pool_range(&s, &e);
	return pa >= s && pa < e;
}

pte_t *pt_table_alloc(void)
{
	pte_t *t = kmalloc_page_alloc();

	if (t) {
		tables_outstanding++;
		return t;
	}
	return early_alloc(PAGE_SIZE, PAGE_SIZE);
}

void pt_table_free(pte_t *t)
{
	if (in_early_pool(t))
		return;
	tables_outstanding--;
	kmalloc_page_free(t);
}

phys_addr_t pt_table_pa(const pte_t *t)
{
	return virt_to_phys(t);
}

pte_t *pt_table_va(phys_addr_t pa)
{
	if (direct_map_end)
		return pa < direct_map_end ? phys_to_virt(pa) : NULL;
	return pa < BOOT_MAP_SIZE ? boot_phys_to_virt(pa) : NULL;
}

bool pt_root_active(phys_addr_t root_pa)
{
	return (read_cr3() & PTE_ADDR_MASK) == root_pa;
}

void pt_load_root(phys_addr_t root_pa)
{
	write_cr3(root_pa);
}

void pt_invalidate(uintptr_t va)
{
	invlpg((const void *)va);
}

void pmap_direct_map_ready(phys_addr_t end)
{
	direct_map_end = end;
}

size_t pmap_tables_outstanding(void)
{
	return tables_outstanding;
}

bool pmap_is_mapped(uintptr_t va)
{
	pte_t *root = pt_table_va(read_cr3() & PTE_ADDR_MASK);

	/* non-canonical addresses are never mapped */
	if ((uint64_t)((int64_t)(va << 16) >> 16) != va || !root)
		return false;
	return pt_is_mapped(root, va);
}
