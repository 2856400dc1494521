/*
 * vm_boot.c - how vm/ joins the boot (given).
 *
 * kernel/ is a floor under vm/: it never names a vm/ function. Instead vm/
 * registers here, at the points kernel/ owns: initcalls that kmain runs
 * (<mango/init.h>), and the page provider kmalloc takes its pages from
 * (<mango/kmalloc.h>).
 */
#include <mango/format.h>
#include <mango/init.h>
#include <mango/kmalloc.h>
#include <mango/param.h>
#include <mango/trap.h>
#include <mango/vm_arch.h>
#include <mango/vm_fault.h>
#include <mango/vm_object.h>
#include <mango/vm_page.h>
#include <mango/vm_region.h>

KERNEL_PARAM(vm_debug, "vm.debug", "check freed pages' poison on allocation (use after free)");
KERNEL_PARAM(vm_nofault, "vm.nofault",
	     "resolve no page fault (as before Lab 5: a page an object lacks stays unmapped)");

/* kmalloc's pages: a block from the page allocator, by its direct-map address. */
static void *provider_alloc(unsigned order, bool zero)
{
	struct vm_page *p = vm_page_alloc((enum vm_page_order)order, zero ? VM_ALLOC_ZERO : 0);
	return p ? vm_page_to_virt(p) : NULL;
}

/* Give back a block provider_alloc() returned; false if @va is no frame's
 * start in the page array (vm_page_free() panics on a frame that is not
 * an allocated block's head). */
static bool provider_free(void *va)
{
	phys_addr_t pa = virt_to_phys(va);
	struct vm_page *p = vm_page_from_phys(pa);

	if (!p || (pa & (PAGE_SIZE - 1)))
		return false;
	vm_page_free(p);
	return true;
}

static const struct kmalloc_page_provider vm_page_provider = {
	.alloc = provider_alloc,
	.free = provider_free,
	.max_order = VM_PAGE_MAX_ORDER,
};

/* Physical memory: the page allocator (Lab 1's code; a stub leaves it
 * empty, and kmalloc copes with that by using the early pool). */
static void vm_page_boot(void)
{
	vm_page_set_debug(true, param_get("vm.debug") != NULL);
	vm_page_init();
	kmalloc_set_page_provider(&vm_page_provider);
}
INITCALL(INIT_PAGES, vm_page_boot);

static void vm_object_boot(void)
{
	if (vm_object_type_init() != KERN_OK)
		panic("cannot register the vm_object type");
}
INITCALL(INIT_TYPES, vm_object_boot);

static void vm_region_boot(void)
{
	if (vm_region_type_init() != KERN_OK)
		panic("cannot register the vm_region type");
}
INITCALL(INIT_TYPES, vm_region_boot);

/*
 * vm_page_fault - the page-fault handler: resolve the fault at @va for
 * @access in the active address space (vm_fault); on a refusal, why in
 * @why (vm_fault_describe). Kernel-half addresses belong to no address
 * space: KERN_NOT_FOUND. Called by the trap path with interrupts off.
 */
static kern_status_t vm_page_fault(uintptr_t va, enum vm_prot access, char *why, size_t why_len)
{
	struct vm_region *region = vm_region_active();
	kern_status_t s;

	if (va >= USER_HALF_END) {
		snprintf(why, why_len, "0x%lx is in the kernel half, which no address space maps",
			 (unsigned long)va);
		return KERN_NOT_FOUND;
	}
	if (!region) {
		vm_fault_describe(NULL, va, access, KERN_NOT_FOUND, why, why_len);
		return KERN_NOT_FOUND;
	}
	if (spin_is_locked(&region->vr_base.ob_lock)) {
		/* the VM itself touched the user half under the lock */
		snprintf(why, why_len, "a fault at 0x%lx while region '%s' is locked",
			 (unsigned long)va, region->vr_name);
		return KERN_ACCESS_DENIED;
	}
	s = vm_fault(region, va, access);
	if (s != KERN_OK)
		vm_fault_describe(region, va, access, s, why, why_len);
	return s;
}

/* Demand faults (Lab 5): every page fault is offered to vm_page_fault,
 * unless the vm.nofault parameter asks for Lab 4's behaviour. */
static void vm_fault_boot(void)
{
	if (param_get("vm.nofault"))
		return;
	if (trap_set_page_fault_handler(vm_page_fault) != KERN_OK)
		panic("cannot register the page-fault handler");
}
INITCALL(INIT_TYPES, vm_fault_boot);
