/*
 * vm_region_cmds.c - the monitor's address-space commands (given).
 *
 *   vmr create <name> <start> <size>        a new, empty address space
 *   vmr map <region> <vmo> <offset> <len> <prot> [addr]
 *                                           map a window of a vm_object; no
 *                                           addr: wherever it fits
 *   vmr unmap <region> <base> <len>
 *   vmr protect <region> <base> <len> <prot>
 *   vmr list [region]                       regions, their fault counters
 *                                           (<mango/vm_fault.h>), each mapping
 *   vmr use <region>|kernel                 make it the active address space
 *   vmr drop <region>                       drop the monitor's reference
 *   peek <va>                               the 64-bit word at va
 *   poke <va> <value>                       store one
 *
 * <prot> is letters of rwxu, as in `vmo create` ("rw", "r-x"). Numbers are
 * decimal or 0x hex; sizes and lengths take a K/M/G suffix.
 *
 * The monitor holds one reference on each region it made, and keeps using
 * the one `vmr use` activated after a command returns, so peek, poke and
 * `pt` (kernel/arch/x86_64/pmap_cmds.c) see its user half. peek and poke
 * are probes (<mango/probe.h>): the CPU checks them against the active
 * page tables; a fault is first offered to vm_fault() (so a poke on a
 * fresh mapping brings its page in, and counts in `vmr list`), and one it
 * refuses comes back as KERN_MEMORY_FAULT with the reason the pmap gives
 * (pmap_extract), never as a panic. Every bad input is
 * answered with a message naming what was expected.
 */
#include <mango/monitor.h>
#include <mango/probe.h>
#include <mango/string.h>
#include <mango/vm_arch.h>
#include <mango/vm_region.h>

#define HELD_MAX 8 /* regions the monitor holds at once */

/* Regions the monitor made and holds a reference on; NULL = free slot. */
static struct vm_region *held[HELD_MAX];
/* The region `vmr use` activated (one of held[]), or NULL: the kernel's. */
static struct vm_region *active;

struct subcommand {
	const char *name;
	int min_args, max_args; /* after the subcommand's name */
	const char *usage;      /* its arguments */
	int (*fn)(char **args, int nargs);
};

static const struct subcommand *running; /* the subcommand being run */

/* Print the running subcommand's usage; returns the command's status, 1. */
static int usage(void)
{
	printk("usage: vmr %s %s\n", running->name, running->usage);
	return 1;
}

/* Parse @s as the argument @what (e.g. "<len>"); print why not and return
 * false when it is no number. @size: a K/M/G suffix is allowed. */
static bool number(const char *s, const char *what, bool size, uint64_t *out)
{
	if (parse_u64(s, out, size))
		return true;
	printk("%s: '%s' is not a number (decimal or 0x hex%s)\n", what, s,
	       size ? ", K/M/G suffix allowed" : "");
	return false;
}

static bool prot_arg(const char *s, enum vm_prot *out)
{
	if (vm_prot_parse(s, out))
		return true;
	printk("<prot>: '%s' is not rights (letters of rwxu: rw, r-x, rwxu)\n", s);
	return false;
}

/* The held region named @name, or NULL after saying so. */
static struct vm_region *region_named(const char *name)
{
	for (size_t i = 0; i < HELD_MAX; i++)
		if (held[i] && !strcmp(held[i]->vr_name, name))
			return held[i];
	printk("no region named '%s' (try 'vmr list')\n", name);
	return NULL;
}

/* Print "@fn: STATUS" for a call that failed; returns 1. */
static int failed(const char *fn, kern_status_t s)
{
	printk("%s: %s\n", fn, kern_status_name(s));
	return 1;
}

static void print_range(uintptr_t base, size_t len)
{
	printk("[0x%lx, 0x%lx)", (unsigned long)base, (unsigned long)(base + len));
}

/* One line about @r (with @mappings: and its fault counters), then (with
 * @mappings) one per mapping.
 * Lock: not held (the mappings are read under it). */
static void show_region(struct vm_region *r, bool mappings)
{
	char prot[VM_PROT_STRING_SIZE];
	size_t n;

	vm_region_lock(r);
	n = btree_count(&r->vr_mappings);
	printk("vmr %s: ", r->vr_name);
	print_range(r->vr_start, r->vr_size);
	printk(" mappings=%zu tables=%zu", n, r->vr_pmap ? pmap_table_pages(r->vr_pmap) : 0);
	if (mappings)
		printk(" faults=%zu pages=%zu refused=%zu", r->vr_faults.taken, r->vr_faults.pages,
		       r->vr_faults.refused);
	printk("%s\n", r == active ? " active" : "");
	btree_foreach(node, &r->vr_mappings) {
		struct vm_region_mapping *m = container_of(node, struct vm_region_mapping, m_node);
		if (!mappings)
			break; /* the count was all */
		printk("  ");
		print_range(m->m_base, m->m_len);
		printk(" %s+0x%lx %s\n", m->m_object->vo_name, (unsigned long)m->m_offset,
		       vm_prot_format(m->m_prot, prot));
	}
	vm_region_unlock(r);
}

static int sub_create(char **a, int n)
{
	uint64_t start, size;
	struct vm_region *r = NULL;
	kern_status_t s;
	size_t slot;

	(void)n;
	if (!number(a[1], "<start>", false, &start) || !number(a[2], "<size>", true, &size))
		return 1;
	if (!strcmp(a[0], "kernel") || vm_region_find(a[0])) {
		printk("the name '%s' is taken (%s)\n", a[0],
		       strcmp(a[0], "kernel") ? "a live region" : "the kernel's address space");
		return 1;
	}
	for (slot = 0; slot < HELD_MAX && held[slot]; slot++)
		;
	if (slot == HELD_MAX) {
		printk("the monitor holds %d regions already: 'vmr drop' one\n", HELD_MAX);
		return 1;
	}
	s = vm_region_create(a[0], (uintptr_t)start, (size_t)size, &r);
	if (s != KERN_OK)
		return failed("vm_region_create", s);
	if (!r) {
		printk("vm_region_create: KERN_OK but no region\n");
		return 1;
	}
	held[slot] = r;
	show_region(r, false);
	return 0;
}

static int sub_map(char **a, int n)
{
	uint64_t offset, len, addr = VM_REGION_ANYWHERE;
	char prot_s[VM_PROT_STRING_SIZE];
	struct vm_region *r;
	struct vm_object *vo;
	enum vm_prot prot;
	uintptr_t where;
	kern_status_t s;

	if (!number(a[2], "<offset>", true, &offset) || !number(a[3], "<len>", true, &len) ||
	    !prot_arg(a[4], &prot) || (n == 6 && !number(a[5], "<addr>", false, &addr)))
		return 1;
	if (!(r = region_named(a[0])))
		return 1;
	if (!(vo = vm_object_find(a[1]))) {
		printk("no vm_object named '%s' (try 'vmo list')\n", a[1]);
		return 1;
	}
	if (offset > (uint64_t)INT64_MAX) {
		printk("<offset>: 0x%lx is past any object\n", (unsigned long)offset);
		return 1;
	}
	where = (uintptr_t)addr;
	s = vm_region_map(r, vo, (off_t)offset, (size_t)len, prot, &where);
	if (s != KERN_OK)
		return failed("vm_region_map", s);
	printk("mapped %s+0x%lx at ", vo->vo_name, (unsigned long)offset);
	print_range(where, (size_t)len);
	printk(" %s\n", vm_prot_format(prot, prot_s));
	return 0;
}

static int sub_unmap(char **a, int n)
{
	uint64_t base, len;
	struct vm_region *r;
	kern_status_t s;

	(void)n;
	if (!number(a[1], "<base>", false, &base) || !number(a[2], "<len>", true, &len))
		return 1;
	if (!(r = region_named(a[0])))
		return 1;
	s = vm_region_unmap(r, (uintptr_t)base, (size_t)len);
	if (s != KERN_OK)
		return failed("vm_region_unmap", s);
	printk("unmapped ");
	print_range((uintptr_t)base, (size_t)len);
	printk("\n");
	return 0;
}

static int sub_protect(char **a, int n)
{
	uint64_t base, len;
	char prot_s[VM_PROT_STRING_SIZE];
	struct vm_region *r;
	enum vm_prot prot;
	kern_status_t s;

	(void)n;
	if (!number(a[1], "<base>", false, &base) || !number(a[2], "<len>", true, &len) ||
	    !prot_arg(a[3], &prot))
		return 1;
	if (!(r = region_named(a[0])))
		return 1;
	s = vm_region_protect(r, (uintptr_t)base, (size_t)len, prot);
	if (s != KERN_OK)
		return failed("vm_region_protect", s);
	printk("protected ");
	print_range((uintptr_t)base, (size_t)len);
	printk(" %s\n", vm_prot_format(prot, prot_s));
	return 0;
}

static int sub_list(char **a, int n)
{
	struct vm_region *r;
	size_t shown = 0;

	if (n == 1) {
		if (!(r = region_named(a[0])))
			return 1;
		show_region(r, true);
		return 0;
	}
	for (size_t i = 0; i < HELD_MAX; i++)
		if (held[i]) {
			show_region(held[i], true);
			shown++;
		}
	printk("%zu region%s; the %s address space is active\n", shown, shown == 1 ? "" : "s",
	       active ? active->vr_name : "kernel's");
	return 0;
}

static int sub_use(char **a, int n)
{
	struct vm_region *r = NULL;

	(void)n;
	if (strcmp(a[0], "kernel") && !(r = region_named(a[0])))
		return 1;
	vm_region_activate(r); /* NULL: the kernel's */
	active = r;
	printk("the %s%s address space is active: peek, poke and pt see its user half\n",
	       r ? r->vr_name : "kernel", r ? "" : "'s");
	return 0;
}

static int sub_drop(char **a, int n)
{
	struct vm_region *r;

	(void)n;
	if (!(r = region_named(a[0])))
		return 1;
	for (size_t i = 0; i < HELD_MAX; i++)
		if (held[i] == r)
			held[i] = NULL;
	if (r == active) {
		/* the last put would do it; the monitor's reference may not be
		 * the last one */
		vm_region_activate(NULL);
		active = NULL;
		printk("the kernel's address space is active again\n");
	}
	vm_region_put(r);
	printk("dropped '%s'\n", a[0]);
	return 0;
}

static const struct subcommand subcommands[] = {
	{ "create", 3, 3, "<name> <start> <size>", sub_create },
	{ "map", 5, 6, "<region> <vmo> <offset> <len> <prot> [addr]", sub_map },
	{ "unmap", 3, 3, "<region> <base> <len>", sub_unmap },
	{ "protect", 4, 4, "<region> <base> <len> <prot>", sub_protect },
	{ "list", 0, 1, "[region]", sub_list },
	{ "use", 1, 1, "<region>|kernel", sub_use },
	{ "drop", 1, 1, "<region>", sub_drop },
};

static int cmd_vmr(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++) {
		const struct subcommand *c = &subcommands[i];
		if (strcmp(sub, c->name))
			continue;
		running = c;
		if (argc - 2 < c->min_args || argc - 2 > c->max_args)
			return usage();
		return c->fn(argv + 2, argc - 2);
	}
	printk("vmr: %s%s%s; one of:\n", *sub ? "unknown subcommand '" : "a subcommand is needed",
	       sub, *sub ? "'" : "");
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		printk("  vmr %s %s\n", subcommands[i].name, subcommands[i].usage);
	printk("<prot>: letters of rwxu (rw, r-x); no [addr]: wherever it fits\n");
	return 1;
}
MONITOR_COMMAND(vmr,
		"create|map|unmap|protect|list|use|drop ... (vmr alone: each one's arguments)",
		"address spaces (vm_regions): make them, map vm_objects, protect, activate",
		cmd_vmr);

/* Whether @va is a canonical, 8-byte aligned address; says why not. */
static bool word_address(const char *cmd, uintptr_t va)
{
	if ((uintptr_t)((intptr_t)(va << 16) >> 16) != va) {
		printk("%s 0x%lx: not a canonical address (bits 63..48 must copy bit 47)\n", cmd,
		       (unsigned long)va);
		return false;
	}
	if (va & 7) {
		printk("%s 0x%lx: not 8-byte aligned\n", cmd, (unsigned long)va);
		return false;
	}
	return true;
}

/* Say why a probe of @va faulted, as the active address space's pmap sees
 * it (the CPU walked the tables in CR3; if they are that pmap's, the two
 * agree). */
static void explain_fault(const char *cmd, uintptr_t va, bool write)
{
	struct pmap *pm = va >= USER_HALF_END ? pmap_kernel() : active ? active->vr_pmap : NULL;
	char prot_s[VM_PROT_STRING_SIZE];
	enum vm_prot prot;
	phys_addr_t pa;

	printk("%s 0x%lx: %s (", cmd, (unsigned long)va, kern_status_name(KERN_MEMORY_FAULT));
	if (!pm)
		printk("not mapped: the kernel's address space maps no user address; 'vmr use' "
		       "one)\n");
	else if (pmap_extract(pm, va, &pa, NULL, &prot) != KERN_OK)
		printk("not mapped)\n");
	else if (write && !(prot & VM_PROT_WRITE))
		printk("read-only)\n");
	else
		printk("yet the pmap maps it to 0x%lx %s: a stale TLB entry, or tables CR3 does "
		       "not hold?)\n", (unsigned long)pa, vm_prot_format(prot, prot_s));
}

static int cmd_peek(int argc, char **argv)
{
	uint64_t va, v;

	if (argc != 2 || !parse_u64(argv[1], &va, false))
		return monitor_usage(argv[0]);
	if (!word_address("peek", (uintptr_t)va))
		return 1;
	if (probe_read64((uintptr_t)va, &v) != KERN_OK) {
		explain_fault("peek", (uintptr_t)va, false);
		return 1;
	}
	printk("peek 0x%lx: 0x%016lx\n", (unsigned long)va, (unsigned long)v);
	return 0;
}
MONITOR_COMMAND(peek, "<va>", "read the 64-bit word at va through the active address space",
		cmd_peek);

static int cmd_poke(int argc, char **argv)
{
	uint64_t va, v;

	if (argc != 3 || !parse_u64(argv[1], &va, false) || !parse_u64(argv[2], &v, false))
		return monitor_usage(argv[0]);
	if (!word_address("poke", (uintptr_t)va))
		return 1;
	if (probe_write64((uintptr_t)va, v) != KERN_OK) {
		explain_fault("poke", (uintptr_t)va, true);
		return 1;
	}
	printk("poke 0x%lx: 0x%016lx\n", (unsigned long)va, (unsigned long)v);
	return 0;
}
MONITOR_COMMAND(poke, "<va> <value>",
		"write a 64-bit word at va through the active address space (careful: the "
		"kernel's memory too)",
		cmd_poke);
