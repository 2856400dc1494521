/*
 * vm_page_cmds.c - monitor commands for the page allocator (given).
 *
 *   pages               summary line (key=value, stable for scripts) + table
 *   pages alloc <order> [zero]  allocate a block (zeroed: VM_ALLOC_ZERO);
 *                       prints its physical address
 *   pages free <addr>   free the block at that physical address
 *   pages check         run vm_page_check()
 * Bad input is reported, never a panic: the monitor checks what it can
 * before calling vm_page_free().
 */
#include <mango/monitor.h>
#include <mango/string.h>
#include <mango/vm_arch.h>
#include <mango/vm_page.h>

/* The blocks 'pages alloc' handed out and 'pages free' may give back,
 * linked through p_link (an allocated block's owner field): the monitor
 * frees only its own blocks, never kmalloc's or a vm_object's. */
static struct queue mine = QUEUE_INIT(mine);

static bool is_mine(const struct vm_page *p)
{
	queue_foreach(e, &mine)
		if (e == &p->p_link)
			return true;
	return false;
}

static void summary(void)
{
	struct vm_page_stats st;
	vm_page_get_stats(&st);
	printk("pages: frames=%zu free=%zu allocated=%zu reserved=%zu free_kib=%zu\n", st.frames,
	       st.free, st.allocated, st.reserved, st.free * (size_t)(PAGE_SIZE / KiB));
	printk("  order  block     free blocks\n");
	for (int k = 0; k < VM_PAGE_NR_ORDERS; k++) {
		size_t kib = vm_page_order_bytes((enum vm_page_order)k) / KiB;
		printk("  %5d  %5zu %s  %zu\n", k, kib >= 1024 ? kib / 1024 : kib,
		       kib >= 1024 ? "MiB" : "KiB", st.free_blocks[k]);
	}
}

static int cmd_pages(int argc, char **argv)
{
	uint64_t v;

	if (argc == 1) {
		summary();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "check")) {
		vm_page_check();
		printk("pages: all invariants hold\n");
		return 0;
	}
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "zero"))) && !strcmp(argv[1], "alloc") &&
	    parse_u64(argv[2], &v, false)) {
		struct vm_page *p;
		if (v > VM_PAGE_MAX_ORDER) {
			printk("order %lu is too large (0..%d)\n", (unsigned long)v, VM_PAGE_MAX_ORDER);
			return 1;
		}
		p = vm_page_alloc((enum vm_page_order)v, argc == 4 ? VM_ALLOC_ZERO : 0);
		if (!p) {
			printk("no free block of order %lu\n", (unsigned long)v);
			return 1;
		}
		queue_push_back(&mine, &p->p_link);
		printk("allocated order %lu at 0x%lx\n", (unsigned long)v,
		       (unsigned long)vm_page_to_phys(p));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "free") && parse_u64(argv[2], &v, false)) {
		struct vm_page *p = vm_page_from_phys(v);
		if (!p || (v & (PAGE_SIZE - 1))) {
			printk("0x%lx is not the address of a page frame\n", (unsigned long)v);
			return 1;
		}
		if (!is_mine(p)) {
			printk("0x%lx is not the start of a block allocated with 'pages alloc'\n",
			       (unsigned long)v);
			return 1;
		}
		queue_delete(&p->p_link);
		vm_page_free(p);
		printk("freed 0x%lx\n", (unsigned long)v);
		return 0;
	}
	return monitor_usage(argv[0]);
}
MONITOR_COMMAND(pages, "[alloc <order> [zero]|free <addr>|check]", "physical page allocator: state and experiments", cmd_pages);
