/*
 * pmap_test.c - the x86-64 pmap in the running kernel (suite "pmap", run by
 * the foundation tests): enter, extract, protect and remove at 4 KiB and
 * 2 MiB, accesses through a fresh mapping, the kernel's own tables, the
 * walk the monitor's `pt` shows, a page fault resolved by a registered
 * handler (the fault path returns), and every table page given back (the
 * suite's leak check).
 */
#include <arch/io.h>
#include <arch/memlayout.h>
#include <arch/pmap.h>
#include <mango/early_alloc.h>
#include <mango/format.h>
#include <mango/kmalloc.h>
#include <mango/ktest.h>
#include <mango/probe.h>
#include <mango/trap.h>

#define USER_VA 0x0000000040000000ull                 /* 1 GiB, in the user half */
#define SPARE_KERNEL_VA (PHYS_MAP_BASE + (128ull << 30)) /* past the direct map */
#define ORDER_2M (LARGE_PAGE_SHIFT - PAGE_SHIFT)
#define RW (VM_PROT_READ | VM_PROT_WRITE)

KTEST_SUITE_LEAK_CHECK(pmap, NULL, pmap_tables_outstanding,
		       "page-table pages taken from the page provider");

/* A page to map: the page provider's if it has one, else the early pool's
 * (which is never given back: a few pages a run). */
static void *test_frame(void)
{
	void *p = kmalloc_page_alloc();
	return p ? p : early_alloc(PAGE_SIZE, PAGE_SIZE);
}

static void put_frame(void *p)
{
	phys_addr_t s, e, pa = virt_to_phys(p);

	early_pool_range(&s, &e);
	if (pa < s || pa >= e)
		kmalloc_page_free(p);
}

KTEST(pmap, enter_extract_protect_remove_4k)
{
	struct pmap *pm = pmap_create();
	phys_addr_t pa = 0;
	unsigned order = 1;
	enum vm_prot prot = VM_PROT_NONE;

	KT_ASSERT_NOT_NULL(pm);
	KT_EXPECT_EQ(pmap_table_pages(pm), 1);
	KT_EXPECT_EQ(pmap_extract(pm, USER_VA, &pa, &order, &prot), KERN_NOT_FOUND);
	KT_ASSERT_EQ(pmap_enter(pm, USER_VA, 0x123000, 0, RW | VM_PROT_USER), KERN_OK);
	KT_EXPECT_EQ(pmap_table_pages(pm), 4); /* root, PDPT, PD, PT */
	KT_EXPECT_EQ(pmap_extract(pm, USER_VA + 0x45, &pa, &order, &prot), KERN_OK);
	KT_EXPECT_EQ(pa, 0x123045);
	KT_EXPECT_EQ(order, 0);
	KT_EXPECT_EQ(prot, RW | VM_PROT_USER);
	KT_EXPECT_EQ(pmap_protect(pm, USER_VA, PAGE_SIZE, VM_PROT_READ | VM_PROT_EXEC), KERN_OK);
	KT_EXPECT_EQ(pmap_extract(pm, USER_VA, NULL, NULL, &prot), KERN_OK);
	KT_EXPECT_EQ(prot, VM_PROT_READ | VM_PROT_EXEC);
	pmap_check(pm);
	KT_EXPECT_EQ(pmap_remove(pm, USER_VA, PAGE_SIZE), KERN_OK);
	KT_EXPECT_EQ(pmap_extract(pm, USER_VA, NULL, NULL, NULL), KERN_NOT_FOUND);
	KT_EXPECT_EQ(pmap_table_pages(pm), 1); /* the emptied tables went back */
	pmap_check(pm);
	pmap_destroy(pm);
}

KTEST(pmap, enter_extract_protect_remove_2m)
{
	struct pmap *pm = pmap_create();
	phys_addr_t pa = 0;
	unsigned order = 0;
	enum vm_prot prot = VM_PROT_NONE;

	KT_ASSERT_NOT_NULL(pm);
	KT_EXPECT_EQ(pmap_enter(pm, USER_VA, LARGE_PAGE_SIZE + PAGE_SIZE, ORDER_2M, RW),
		     KERN_INVALID_ARGUMENT); /* pa not 2 MiB aligned */
	KT_ASSERT_EQ(pmap_enter(pm, USER_VA, LARGE_PAGE_SIZE, ORDER_2M, RW), KERN_OK);
	KT_EXPECT_EQ(pmap_table_pages(pm), 3); /* root, PDPT, PD */
	KT_EXPECT_EQ(pmap_extract(pm, USER_VA + 0x12345, &pa, &order, &prot), KERN_OK);
	KT_EXPECT_EQ(pa, LARGE_PAGE_SIZE + 0x12345);
	KT_EXPECT_EQ(order, ORDER_2M);
	KT_EXPECT_EQ(prot, RW);
	KT_EXPECT_EQ(pmap_enter(pm, USER_VA + PAGE_SIZE, 0, 0, RW), KERN_EXISTS);
	KT_EXPECT_EQ(pmap_remove(pm, USER_VA, PAGE_SIZE), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(pmap_protect(pm, USER_VA, LARGE_PAGE_SIZE, VM_PROT_READ), KERN_OK);
	KT_EXPECT_EQ(pmap_extract(pm, USER_VA, NULL, NULL, &prot), KERN_OK);
	KT_EXPECT_EQ(prot, VM_PROT_READ);
	KT_EXPECT_EQ(pmap_remove(pm, USER_VA, LARGE_PAGE_SIZE), KERN_OK);
	KT_EXPECT_EQ(pmap_table_pages(pm), 1);
	pmap_check(pm);
	pmap_destroy(pm);
}

/* What the CPU does through a fresh mapping is what the direct map shows. */
KTEST(pmap, writes_through_a_mapping_reach_the_frame)
{
	struct pmap *pm = pmap_create();
	uint64_t *frame = test_frame();
	volatile uint64_t *user = (volatile uint64_t *)USER_VA;
	const volatile uint8_t *big = (const volatile uint8_t *)(USER_VA + LARGE_PAGE_SIZE);
	phys_addr_t image = virt_to_phys((const void *)kmalloc);

	KT_ASSERT_NOT_NULL(pm);
	KT_ASSERT_NOT_NULL(frame);
	KT_ASSERT_EQ(pmap_enter(pm, USER_VA, virt_to_phys(frame), 0, RW), KERN_OK);
	/* the first 2 MiB of RAM, with the kernel image in it, read-only */
	KT_ASSERT_EQ(pmap_enter(pm, USER_VA + LARGE_PAGE_SIZE, 0, ORDER_2M, VM_PROT_READ), KERN_OK);
	pmap_activate(pm);
	user[0] = 0x6d616e676f;
	user[PAGE_SIZE / sizeof(uint64_t) - 1] = ~0ull;
	uint8_t byte = big[image];
	pmap_activate(pmap_kernel());
	KT_EXPECT_FALSE(pmap_is_mapped(USER_VA)); /* back in the kernel's address space */
	KT_EXPECT_EQ(frame[0], 0x6d616e676f);
	KT_EXPECT_EQ(frame[PAGE_SIZE / sizeof(uint64_t) - 1], ~0ull);
	KT_EXPECT_EQ(byte, *(const uint8_t *)phys_to_virt(image));
	pmap_destroy(pm);
	put_frame(frame);
}

/* The kernel pmap: its tables check out, and a mapping in a spare part of
 * the kernel half comes and goes, visible at once (invlpg). */
KTEST(pmap, kernel_pmap_maps_and_unmaps)
{
	struct pmap *k = pmap_kernel();
	uint64_t *frame = test_frame();
	size_t tables;

	KT_ASSERT_NOT_NULL(frame);
	pmap_check(k);
	tables = pmap_table_pages(k);
	KT_EXPECT_TRUE(pmap_is_mapped((uintptr_t)kmalloc));
	KT_EXPECT_EQ(pmap_enter(k, USER_VA, 0, 0, RW), KERN_INVALID_ARGUMENT); /* user half */
	KT_ASSERT_EQ(pmap_enter(k, SPARE_KERNEL_VA, virt_to_phys(frame), 0, RW), KERN_OK);
	KT_EXPECT_EQ(pmap_table_pages(k), tables + 2); /* PD, PT */
	*(volatile uint64_t *)SPARE_KERNEL_VA = 42;
	KT_EXPECT_EQ(frame[0], 42);
	KT_EXPECT_EQ(pmap_remove(k, SPARE_KERNEL_VA, PAGE_SIZE), KERN_OK);
	KT_EXPECT_FALSE(pmap_is_mapped(SPARE_KERNEL_VA));
	KT_EXPECT_EQ(pmap_table_pages(k), tables);
	pmap_check(k);
	put_frame(frame);
}

KTEST(pmap, bad_arguments_are_refused)
{
	struct pmap *pm = pmap_create();

	KT_ASSERT_NOT_NULL(pm);
	KT_EXPECT_EQ(pmap_enter(pm, USER_VA + 1, 0, 0, RW), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(pmap_enter(pm, USER_VA, 0x1001, 0, RW), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(pmap_enter(pm, USER_VA, 0, 4, RW), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(pmap_enter(pm, USER_VA, 0, 0, VM_PROT_WRITE), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(pmap_enter(pm, KERNEL_BASE, 0, 0, RW), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(pmap_remove(pm, USER_VA, 0), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(pmap_protect(pm, USER_VA, PAGE_SIZE, VM_PROT_NONE), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(pmap_table_pages(pm), 1);
	pmap_destroy(pm);
}

/* pmap_next_leaf visits the mappings of a range in order, a large one
 * from its start, and skips what is empty. */
KTEST(pmap, next_leaf_walks_the_mappings_in_order)
{
	struct pmap *pm = pmap_create();
	uintptr_t va = 0;
	phys_addr_t pa = 0;
	unsigned order = 1;

	KT_ASSERT_NOT_NULL(pm);
	KT_EXPECT_EQ(pmap_next_leaf(pm, 0, USER_VA, &va, NULL, NULL, NULL), KERN_NOT_FOUND);
	KT_ASSERT_EQ(pmap_enter(pm, USER_VA + 0x5000, 0x7000, 0, RW), KERN_OK);
	KT_ASSERT_EQ(pmap_enter(pm, USER_VA + LARGE_PAGE_SIZE, LARGE_PAGE_SIZE, ORDER_2M, RW),
		     KERN_OK);
	KT_EXPECT_EQ(pmap_next_leaf(pm, 0, USER_HALF_END, &va, &pa, &order, NULL), KERN_OK);
	KT_EXPECT_EQ(va, USER_VA + 0x5000);
	KT_EXPECT_EQ(pa, 0x7000);
	KT_EXPECT_EQ(order, 0);
	KT_EXPECT_EQ(pmap_next_leaf(pm, va + PAGE_SIZE, USER_HALF_END, &va, &pa, &order, NULL),
		     KERN_OK);
	KT_EXPECT_EQ(va, USER_VA + LARGE_PAGE_SIZE);
	KT_EXPECT_EQ(order, ORDER_2M);
	/* from inside the large mapping: it starts below */
	KT_EXPECT_EQ(pmap_next_leaf(pm, va + 0x3000, USER_HALF_END, &va, NULL, NULL, NULL), KERN_OK);
	KT_EXPECT_EQ(va, USER_VA + LARGE_PAGE_SIZE);
	KT_EXPECT_EQ(pmap_next_leaf(pm, va + LARGE_PAGE_SIZE, USER_HALF_END, &va, NULL, NULL, NULL),
		     KERN_NOT_FOUND);
	KT_EXPECT_EQ(pmap_next_leaf(pm, USER_VA, USER_VA + 0x5000, &va, NULL, NULL, NULL),
		     KERN_NOT_FOUND); /* end is exclusive */
	KT_EXPECT_EQ(pmap_next_leaf(pm, USER_VA, USER_VA, &va, NULL, NULL, NULL),
		     KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(pmap_next_leaf(pm, KERNEL_BASE, KERNEL_BASE + PAGE_SIZE, &va, NULL, NULL, NULL),
		     KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(pmap_remove(pm, USER_VA, 2 * LARGE_PAGE_SIZE), KERN_OK);
	KT_EXPECT_EQ(pmap_table_pages(pm), 1);
	pmap_destroy(pm);
}

/* pmap_walk_describe shows the entries the CPU reads, level by level, each
 * table the one the entry above points at, down to the leaf or to the
 * first entry that is not present; pmap_walk_next_leaf finds the leaves of
 * tables given by their root. */
KTEST(pmap, walk_describe_shows_each_level)
{
	struct pmap *pm = pmap_create();
	struct pmap_walk_step s[PT_LEVELS];
	phys_addr_t root;
	uintptr_t va = 0;
	size_t n;

	KT_ASSERT_NOT_NULL(pm);
	KT_ASSERT_EQ(pmap_enter(pm, USER_VA + PAGE_SIZE, 0x123000, 0, VM_PROT_READ), KERN_OK);
	KT_ASSERT_EQ(pmap_enter(pm, USER_VA + LARGE_PAGE_SIZE, LARGE_PAGE_SIZE, ORDER_2M, RW),
		     KERN_OK);
	pmap_activate(pm);
	root = read_cr3() & PTE_ADDR_MASK;
	pmap_activate(pmap_kernel());

	n = pmap_walk_describe(root, USER_VA + PAGE_SIZE + 0x45, s);
	KT_ASSERT_EQ(n, PT_LEVELS);
	KT_EXPECT_EQ(s[0].table_pa, root);
	for (size_t i = 0; i < n; i++) {
		KT_EXPECT_EQ(s[i].level, PT_LEVELS - 1 - (int)i);
		if (i > 0)
			KT_EXPECT_EQ(s[i].table_pa, s[i - 1].entry & PTE_ADDR_MASK);
	}
	KT_EXPECT_EQ(s[1].index, 1); /* USER_VA is 1 GiB: PDPT entry 1 */
	KT_EXPECT_EQ(s[3].index, 1);
	KT_EXPECT_EQ(s[3].entry & PTE_ADDR_MASK, 0x123000);
	KT_EXPECT_EQ(s[3].entry & (PTE_P | PTE_W | PTE_NX), PTE_P | PTE_NX);

	n = pmap_walk_describe(root, USER_VA + LARGE_PAGE_SIZE + 0x3000, s);
	KT_ASSERT_EQ(n, 3); /* a PD entry with PS is the leaf */
	KT_EXPECT_EQ(s[2].index, 1);
	KT_EXPECT_EQ(s[2].entry & (PTE_PS | PTE_W | PTE_ADDR_MASK), PTE_PS | PTE_W | LARGE_PAGE_SIZE);

	n = pmap_walk_describe(root, USER_VA, s);
	KT_ASSERT_EQ(n, PT_LEVELS); /* the PT entry next to the 4 KiB leaf */
	KT_EXPECT_EQ(s[3].entry, 0);
	n = pmap_walk_describe(root, 0x7f0000000000ull, s);
	KT_ASSERT_EQ(n, 1); /* nothing below the root entry */
	KT_EXPECT_EQ(s[0].entry, 0);

	KT_EXPECT_EQ(pmap_walk_next_leaf(root, 0, USER_HALF_END, &va, NULL, NULL, NULL), KERN_OK);
	KT_EXPECT_EQ(va, USER_VA + PAGE_SIZE);
	KT_EXPECT_EQ(pmap_walk_next_leaf(root, va + PAGE_SIZE, USER_HALF_END, &va, NULL, NULL,
					 NULL), KERN_OK);
	KT_EXPECT_EQ(va, USER_VA + LARGE_PAGE_SIZE);
	KT_EXPECT_EQ(pmap_remove(pm, USER_VA, 2 * LARGE_PAGE_SIZE), KERN_OK);
	pmap_destroy(pm);
}

/* Probes see what the CPU enforces: nothing mapped and a write to a
 * read-only page come back as KERN_MEMORY_FAULT, not a panic. */
KTEST(pmap, probes_see_what_the_cpu_enforces)
{
	uint64_t *frame = test_frame();
	struct pmap *pm = pmap_create();
	uint64_t v = 7;

	KT_ASSERT_NOT_NULL(frame);
	KT_ASSERT_NOT_NULL(pm);
	frame[0] = 0x1234;
	KT_ASSERT_EQ(pmap_enter(pm, USER_VA, virt_to_phys(frame), 0, VM_PROT_READ), KERN_OK);
	pmap_activate(pm);
	KT_EXPECT_EQ(probe_read64(USER_VA, &v), KERN_OK);
	KT_EXPECT_EQ(v, 0x1234);
	KT_EXPECT_EQ(probe_write64(USER_VA, 0x99), KERN_MEMORY_FAULT);
	KT_EXPECT_EQ(probe_read64(USER_VA + PAGE_SIZE, &v), KERN_MEMORY_FAULT);
	KT_EXPECT_EQ(v, 0x1234); /* unchanged by the faulted read */
	KT_EXPECT_EQ(pmap_protect(pm, USER_VA, PAGE_SIZE, RW), KERN_OK);
	KT_EXPECT_EQ(probe_write64(USER_VA, 0x99), KERN_OK);
	pmap_activate(pmap_kernel());
	KT_EXPECT_EQ(frame[0], 0x99);
	KT_EXPECT_EQ(pmap_remove(pm, USER_VA, PAGE_SIZE), KERN_OK);
	pmap_destroy(pm);
	put_frame(frame);
}

static struct pmap *fault_pmap;
static phys_addr_t fault_frame;
static unsigned faults_resolved;

static enum vm_prot fault_access;

/* A page-fault handler that maps USER_VA on first touch, as Lab 5's does. */
static kern_status_t map_on_fault(uintptr_t va, enum vm_prot access, char *why, size_t why_len)
{
	kern_status_t s;

	if (ALIGN_DOWN(va, PAGE_SIZE) != USER_VA || !fault_pmap) {
		snprintf(why, why_len, "not the test's page");
		return KERN_NOT_FOUND;
	}
	fault_access = access;
	s = pmap_enter(fault_pmap, USER_VA, fault_frame, 0, RW);
	if (s == KERN_OK)
		faults_resolved++;
	return s;
}

/* The page-fault path returns: a fault the handler resolves is retried. */
KTEST(pmap, a_resolved_page_fault_returns)
{
	uint64_t *frame = test_frame();

	page_fault_handler_t vm_handler = trap_page_fault_handler();

	KT_ASSERT_NOT_NULL(frame);
	fault_pmap = pmap_create();
	KT_ASSERT_NOT_NULL(fault_pmap);
	fault_frame = virt_to_phys(frame);
	faults_resolved = 0;
	fault_access = VM_PROT_NONE;
	/* the VM's handler steps aside for the test, and comes back after */
	KT_ASSERT_EQ(trap_set_page_fault_handler(NULL), KERN_OK);
	KT_ASSERT_EQ(trap_set_page_fault_handler(map_on_fault), KERN_OK);
	pmap_activate(fault_pmap);
	*(volatile uint64_t *)USER_VA = 0x5a5a; /* faults once, then is retried */
	*(volatile uint64_t *)(USER_VA + 8) = 0xa5a5; /* mapped now: no fault */
	pmap_activate(pmap_kernel());
	KT_EXPECT_EQ(trap_set_page_fault_handler(NULL), KERN_OK);
	KT_EXPECT_EQ(trap_set_page_fault_handler(vm_handler), KERN_OK);
	KT_EXPECT_EQ(faults_resolved, 1);
	KT_EXPECT_EQ(fault_access, VM_PROT_WRITE); /* decoded: a kernel-mode write */
	KT_EXPECT_EQ(frame[0], 0x5a5a);
	KT_EXPECT_EQ(frame[1], 0xa5a5);
	pmap_destroy(fault_pmap);
	fault_pmap = NULL;
	put_frame(frame);
}
