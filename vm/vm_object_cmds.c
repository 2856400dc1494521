/*
 * vm_object_cmds.c - the monitor's `vmo` command (given).
 *
 *   vmo create <name> <size> [prot]   prot: letters of rwxu (default rw)
 *   vmo inplace <name> <phys> <size> [prot]
 *   vmo list
 *   vmo show <name>
 *   vmo alloc <name> <offset> [order]
 *   vmo read <name> <offset>          the 64-bit word at offset, through the object
 *   vmo drop <name>                   drop the monitor's reference (refused,
 *                                     naming the mappings, while it is mapped)
 * Every bad input is answered with a message; nothing here panics.
 */
#include <mango/monitor.h>
#include <mango/object.h>
#include <mango/vm_object.h>
#include <mango/vm_region.h>
#include <mango/vm_arch.h>

/* One line about @vo. Lock: not held (vo_pages is counted under it). */
static void show_line(struct vm_object *vo)
{
	char prot[VM_PROT_STRING_SIZE];
	size_t pages;

	vm_object_lock(vo);
	pages = btree_count(&vo->vo_pages);
	vm_object_unlock(vo);
	vm_prot_format(vo->vo_prot, prot);
	printk("vmo %s: size=0x%zx prot=%s flags=%s pages=%zu", vo->vo_name, vo->vo_size, prot,
	       vo->vo_flags & VMO_IN_PLACE ? "in-place" : "demand", pages);
	if (vo->vo_flags & VMO_IN_PLACE)
		printk(" phys=0x%lx", (unsigned long)vo->vo_phys_base);
	printk("\n");
}

/* Runs under the object-model lock, which may be held while an object's
 * lock is taken (object.c's lock order). */
static bool list_one(struct object *obj, const void *arg)
{
	(void)arg;
	show_line(container_of(obj, struct vm_object, vo_base));
	return false; /* keep going */
}

static struct vm_object *named(const char *name)
{
	struct vm_object *vo = vm_object_find(name);
	if (!vo)
		printk("no vm_object named '%s' (try 'vmo list')\n", name);
	return vo;
}

/* Report that @fn made no object; returns the command's status, 1. The
 * constructor warns why it refused; a stub returns NULL without a word. */
static int create_failed(const char *sub, const char *fn)
{
	printk("vmo %s: failed: %s() returned NULL (the reason is above; if there is "
	       "none, %s is still the Lab 3 stub)\n", sub, fn, fn);
	return 1;
}

/*
 * mapped_by - if @vo is mapped, say by which mappings and return true. Each
 * mapping holds a reference of its own, so while one does, the monitor
 * cannot tell its reference from theirs: `vmo drop` then drops nothing
 * (dropping a mapping's reference would destroy a mapped object later).
 * Lock: @vo's not held (it takes it).
 */
static bool mapped_by(struct vm_object *vo)
{
	bool mapped;

	vm_object_lock(vo);
	mapped = !queue_empty(&vo->vo_mappings);
	if (mapped)
		printk("vmo drop: '%s' is mapped, and each mapping holds a reference:\n",
		       vo->vo_name);
	queue_foreach(e, &vo->vo_mappings) {
		struct vm_region_mapping *m = container_of(e, struct vm_region_mapping, m_vo_link);
		printk("  region %s [0x%lx, 0x%lx) offset 0x%lx\n", m->m_region->vr_name,
		       (unsigned long)m->m_base, (unsigned long)(m->m_base + m->m_len),
		       (unsigned long)m->m_offset);
	}
	vm_object_unlock(vo);
	if (mapped)
		printk("nothing dropped: unmap those first\n");
	return mapped;
}

static int cmd_vmo(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	uint64_t a, b;
	enum vm_prot prot = VM_PROT_READ | VM_PROT_WRITE;
	struct vm_object *vo;

	if (!strcmp(sub, "list") && argc == 2) {
		object_find(vm_object_type_ptr(), list_one, NULL);
		return 0;
	}
	if (!strcmp(sub, "create") && (argc == 4 || argc == 5)) {
		if (!parse_u64(argv[3], &a, true) || (argc == 5 && !vm_prot_parse(argv[4], &prot)))
			return monitor_usage(argv[0]);
		if (vm_object_find(argv[2])) {
			printk("a vm_object named '%s' exists already\n", argv[2]);
			return 1;
		}
		vo = vm_object_create(argv[2], (size_t)a, prot);
		if (!vo)
			return create_failed(sub, "vm_object_create");
		show_line(vo);
		return 0;
	}
	if (!strcmp(sub, "inplace") && (argc == 5 || argc == 6)) {
		if (!parse_u64(argv[3], &a, false) || !parse_u64(argv[4], &b, true) ||
		    (argc == 6 && !vm_prot_parse(argv[5], &prot)))
			return monitor_usage(argv[0]);
		if (vm_object_find(argv[2])) {
			printk("a vm_object named '%s' exists already\n", argv[2]);
			return 1;
		}
		vo = vm_object_create_in_place(argv[2], a, (size_t)b, prot);
		if (!vo)
			return create_failed(sub, "vm_object_create_in_place");
		show_line(vo);
		return 0;
	}
	if (!strcmp(sub, "show") && argc == 3) {
		if (!(vo = named(argv[2])))
			return 1;
		show_line(vo);
		vm_object_lock(vo);
		btree_foreach(n, &vo->vo_pages) {
			struct vm_page *p = container_of(n, struct vm_page, p_node);
			printk("  page offset=0x%lx order=%u phys=0x%lx\n", (unsigned long)p->p_vmo_offset,
			       p->p_order, (unsigned long)vm_page_to_phys(p));
		}
		vm_object_unlock(vo);
		return 0;
	}
	if (!strcmp(sub, "alloc") && (argc == 4 || argc == 5)) {
		struct vm_page *p;
		kern_status_t s;
		if (!parse_u64(argv[3], &a, true) || (argc == 5 && !parse_u64(argv[4], &b, false)))
			return monitor_usage(argv[0]);
		if (argc == 4)
			b = VM_PAGE_4K;
		if (!(vo = named(argv[2])))
			return 1;
		if (a > (uint64_t)INT64_MAX || b > VM_PAGE_MAX_ORDER) {
			printk("offset or order out of range\n");
			return 1;
		}
		s = vm_object_alloc_page_status(vo, (off_t)a, (enum vm_page_order)b, &p);
		if (s != KERN_OK) {
			printk("vm_object_alloc_page: %s\n", kern_status_name(s));
			return 1;
		}
		printk("page offset=0x%lx order=%u phys=0x%lx\n", (unsigned long)p->p_vmo_offset,
		       p->p_order, (unsigned long)vm_page_to_phys(p));
		return 0;
	}
	if (!strcmp(sub, "read") && argc == 4) {
		struct vm_page *p = NULL;
		uint64_t word = 0;
		phys_addr_t pa = 0;
		if (!parse_u64(argv[3], &a, true))
			return monitor_usage(argv[0]);
		if (!(vo = named(argv[2])))
			return 1;
		/* get_page wants the lock; the page is read before it is dropped */
		vm_object_lock(vo);
		if (a <= (uint64_t)INT64_MAX && !(a & 7) && (p = vm_object_get_page(vo, (off_t)a))) {
			/* get_page answers with the page covering a; read inside it */
			off_t in = (off_t)a - ((vo->vo_flags & VMO_IN_PLACE)
						       ? (off_t)ALIGN_DOWN(a, PAGE_SIZE)
						       : p->p_vmo_offset);
			word = *(const uint64_t *)((const char *)vm_page_to_virt(p) + in);
			pa = vm_page_to_phys(p) + (phys_addr_t)in;
		}
		vm_object_unlock(vo);
		if (!p) {
			printk("no page at offset 0x%lx (not 8-byte aligned, past the end, or not "
			       "allocated)\n", (unsigned long)a);
			return 1;
		}
		printk("vmo %s+0x%lx = 0x%016lx (phys 0x%lx)\n", vo->vo_name, (unsigned long)a,
		       (unsigned long)word, (unsigned long)pa);
		return 0;
	}
	if (!strcmp(sub, "drop") && argc == 3) {
		if (!(vo = named(argv[2])))
			return 1;
		if (mapped_by(vo))
			return 1;
		vm_object_put(vo);
		printk("dropped '%s'\n", argv[2]);
		return 0;
	}
	return monitor_usage(argv[0]);
}
MONITOR_COMMAND(vmo,
		"create <name> <size> [rwxu] | inplace <name> <phys> <size> [rwxu] | list | "
		"show <name> | alloc <name> <offset> [order] | read <name> <offset> | drop <name>",
		"vm_objects: make them, look inside, allocate pages, drop them", cmd_vmo);
