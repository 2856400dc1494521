/*
 * pmap_host.c - the kernel's x86-64 pmap (kernel/arch/x86_64/pmap.c, the
 * real 4-level tables and their one walker) on the host: the answers to
 * <arch/pmap_machine.h> over ordinary memory, so that the pmap contract
 * (<mango/pmap.h>) and what vm/ does with mappings run under ASan/UBSan.
 *
 * A table page is a 4 KiB page from the C library (aligned_alloc), and an
 * entry holds its host address as the "physical" one. There is no TLB and
 * no CR3: loading a root records it. The CPU has 1 GiB pages.
 *
 * For tests: pmap_host_tables_live() counts table pages not freed, and
 * pmap_host_fail_after(n) makes table allocations fail after n more.
 */
#include <arch/pmap.h>
#include <arch/pmap_machine.h>
#include <mango/vm_arch.h>

#include "pmap_host.h"

#define TABLE_POISON 0x6B /* what a freed table holds, for a debugger */

static phys_addr_t active_root;
static size_t tables_live;
static long fail_after = -1;

size_t pmap_host_tables_live(void)
{
	return tables_live;
}

void pmap_host_fail_after(long n)
{
	fail_after = n;
}

bool pt_machine_init(void)
{
	return true;
}

pte_t *pt_table_alloc(void)
{
	pte_t *t;

	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	t = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!t)
		return NULL;
	memset(t, 0, PAGE_SIZE);
	tables_live++;
	return t;
}

void pt_table_free(pte_t *t)
{
	memset(t, TABLE_POISON, PAGE_SIZE);
	free(t);
	tables_live--;
}

phys_addr_t pt_table_pa(const pte_t *t)
{
	return (phys_addr_t)(uintptr_t)t;
}

pte_t *pt_table_va(phys_addr_t pa)
{
	return (pte_t *)(uintptr_t)pa;
}

bool pt_root_active(phys_addr_t root_pa)
{
	return root_pa == active_root;
}

void pt_load_root(phys_addr_t root_pa)
{
	active_root = root_pa;
}

void pt_invalidate(uintptr_t va)
{
	(void)va; /* no TLB */
}

/* The kernel pmap exists before main(), as it does after mmu_init(). */
__attribute__((constructor)) static void pmap_host_boot(void)
{
	pmap_bootstrap();
}
