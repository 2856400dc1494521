/*
 * pmap_cmds.c - the monitor's `pt`: the page tables the CPU translates with
 * right now (the root in CR3), as it walks them (after xv6's vmprint).
 *
 *   pt <va>   each level the CPU reads for va: the table's physical
 *             address, the index, the raw entry and its bits, down to the
 *             leaf; then the physical address va translates to, the page
 *             size and the rights all levels together grant
 *   pt        every leaf of the user half, merged into runs of leaves that
 *             follow each other in virtual and physical memory with the
 *             same size and rights
 *
 * Kernel infrastructure, on every branch: it reads whatever CR3 holds
 * (the kernel's tables, or an address space vm/ activated) through pmap.c's
 * walker (pmap_walk_describe, pmap_walk_next_leaf), never through vm/.
 */
#include <arch/io.h>
#include <arch/memlayout.h>
#include <arch/pmap.h>
#include <mango/monitor.h>
#include <mango/printk.h>
#include <mango/string.h>

static const char *const level_names[PT_LEVELS] = { "PT", "PD", "PDPT", "PML4" };

/* The bits `pt` decodes, in the order it prints them. */
static const struct {
	uint64_t bit;
	const char *name;
} entry_bits[] = {
	{ PTE_P, "P" }, { PTE_W, "W" }, { PTE_U, "U" }, { PTE_NX, "NX" },   { PTE_PS, "PS" },
	{ PTE_A, "A" }, { PTE_D, "D" }, { PTE_G, "G" }, { PTE_PWT, "PWT" }, { PTE_PCD, "PCD" },
};

/* The root CR3 points at. */
static phys_addr_t active_root(void)
{
	return read_cr3() & PTE_ADDR_MASK;
}

/* Print "4 KiB" (2 MiB, 1 GiB) for a leaf of order @order. */
static void print_page_size(unsigned order)
{
	uint64_t bytes = (uint64_t)PAGE_SIZE << order;

	if (bytes >= GiB)
		printk("%lu GiB", (unsigned long)(bytes / GiB));
	else if (bytes >= MiB)
		printk("%lu MiB", (unsigned long)(bytes / MiB));
	else
		printk("%lu KiB", (unsigned long)(bytes / KiB));
}

/* One step of a walk: "  PD   0x108000[  0] 0x0000000000109003  P W". */
static void print_step(const struct pmap_walk_step *s)
{
	const char *sep = "  ";

	printk("  %-4s 0x%lx[%3u] 0x%016lx", level_names[s->level], (unsigned long)s->table_pa,
	       s->index, (unsigned long)s->entry);
	for (size_t i = 0; i < ARRAY_SIZE(entry_bits); i++) {
		/* bit 7 of a PT entry is PAT, not PS */
		if (entry_bits[i].bit == PTE_PS && s->level == 0)
			continue;
		if (s->entry & entry_bits[i].bit) {
			printk("%s%s", sep, entry_bits[i].name);
			sep = " ";
		}
	}
	printk("\n");
}

/* What every level of @steps[0..@n) grants together, as the CPU checks an
 * access: writable or user only if every level says so, executable unless
 * one level says NX. */
static enum vm_prot effective_prot(const struct pmap_walk_step *steps, size_t n)
{
	unsigned p = VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC | VM_PROT_USER;

	for (size_t i = 0; i < n; i++) {
		if (!(steps[i].entry & PTE_W))
			p &= ~(unsigned)VM_PROT_WRITE;
		if (!(steps[i].entry & PTE_U))
			p &= ~(unsigned)VM_PROT_USER;
		if (steps[i].entry & PTE_NX)
			p &= ~(unsigned)VM_PROT_EXEC;
	}
	return (enum vm_prot)p;
}

/* `pt <va>`: the walk for @va, then what it comes to. */
static int walk_one(uintptr_t va)
{
	struct pmap_walk_step steps[PT_LEVELS];
	const struct pmap_walk_step *last;
	char prot[VM_PROT_STRING_SIZE];
	size_t n;
	unsigned order;
	uint64_t size;
	phys_addr_t pa;

	if ((uintptr_t)((intptr_t)(va << 16) >> 16) != va) {
		printk("pt: 0x%lx is not canonical (bits 63..48 must copy bit 47): no table maps "
		       "it\n", (unsigned long)va);
		return 1;
	}
	printk("pt 0x%lx (CR3 0x%lx):\n", (unsigned long)va, (unsigned long)active_root());
	n = pmap_walk_describe(active_root(), va, steps);
	if (n == 0) {
		printk("  the root table cannot be reached\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		print_step(&steps[i]);
	last = &steps[n - 1];
	if (!(last->entry & PTE_P)) {
		printk("  => not mapped: the %s entry is not present\n", level_names[last->level]);
		return 0;
	}
	if (last->level > 0 && !(last->entry & PTE_PS)) {
		printk("  => the %s table at 0x%lx cannot be reached (corrupt tables)\n",
		       level_names[last->level - 1], (unsigned long)(last->entry & PTE_ADDR_MASK));
		return 1;
	}
	order = (unsigned)(PT_INDEX_BITS * last->level);
	size = (uint64_t)PAGE_SIZE << order;
	pa = (last->entry & PTE_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
	printk("  => phys 0x%lx, ", (unsigned long)pa);
	print_page_size(order);
	printk(" page, rights %s\n", vm_prot_format(effective_prot(steps, n), prot));
	return 0;
}

/* A run of leaves: [start, end) -> pa, @count leaves of @order, @prot. */
struct run {
	uintptr_t start, end;
	phys_addr_t pa;
	unsigned order;
	enum vm_prot prot;
	size_t count;
};

static void print_run(const struct run *r)
{
	char prot[VM_PROT_STRING_SIZE];

	printk("  [0x%lx, 0x%lx) -> 0x%lx  ", (unsigned long)r->start, (unsigned long)r->end,
	       (unsigned long)r->pa);
	print_page_size(r->order);
	printk(" x%zu  %s\n", r->count, vm_prot_format(r->prot, prot));
}

/* `pt`: every leaf of the active user half, in runs. */
static int walk_user_half(void)
{
	phys_addr_t root = active_root();
	struct run run = { 0 };
	size_t runs = 0, leaves = 0;
	uintptr_t va = 0, leaf;
	phys_addr_t pa;
	unsigned order;
	enum vm_prot prot;

	printk("pt: user half of CR3 0x%lx:\n", (unsigned long)root);
	while (va < USER_HALF_END &&
	       pmap_walk_next_leaf(root, va, USER_HALF_END, &leaf, &pa, &order, &prot) == KERN_OK) {
		uint64_t size = (uint64_t)PAGE_SIZE << order;

		if (run.count && leaf == run.end && pa == run.pa + (run.end - run.start) &&
		    order == run.order && prot == run.prot) {
			run.end += size;
			run.count++;
		} else {
			if (run.count)
				print_run(&run);
			run = (struct run){ leaf, leaf + size, pa, order, prot, 1 };
			runs++;
		}
		leaves++;
		va = leaf + size;
	}
	if (run.count)
		print_run(&run);
	printk("  %zu run%s, %zu lea%s\n", runs, runs == 1 ? "" : "s", leaves,
	       leaves == 1 ? "f" : "ves");
	return 0;
}

static int cmd_pt(int argc, char **argv)
{
	uint64_t va;

	if (argc == 1)
		return walk_user_half();
	if (argc == 2 && parse_u64(argv[1], &va, false))
		return walk_one((uintptr_t)va);
	return monitor_usage(argv[0]);
}
MONITOR_COMMAND(pt, "[va]",
		"page tables in CR3: va's walk level by level (P W U NX PS A D bits), or "
		"every user-half leaf",
		cmd_pt);
