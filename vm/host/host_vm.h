// LAB 4 FILE
/*
 * host_vm.h - the machine the address-space host tests (vm_region,
 * vm_fault) run on: FRAMES frames of "physical" memory from the host's
 * heap, the frames below IN_PLACE_END kept out of the allocator for
 * in-place objects, the page allocator and the object types set up.
 * Include after host_test.h; one translation unit per test program.
 */
#ifndef MANGO_HOST_VM_H_
#define MANGO_HOST_VM_H_

#include <mango/vm_object.h>
#include <mango/vm_page.h>
#include <mango/vm_region.h>

#define FRAMES 16384                 /* 64 MiB of "physical" memory */
#define IN_PLACE_END (8 * MiB)       /* below: frames for in-place objects */

static struct vm_page pages[FRAMES];

/* host_vm_begin - host_test_begin(), then the machine above. Returns the
 * free frame count host_vm_end() must find again; exits with status 2 if
 * memory or the object types cannot be set up. */
static inline size_t host_vm_begin(const char *name, int argc, char **argv)
{
	host_test_begin(name, argc, argv);
	host_phys_base = aligned_alloc(PAGE_SIZE, (size_t)FRAMES << PAGE_SHIFT);
	if (!host_phys_base) {
		printf("%s: no memory for %d frames\n", name, FRAMES);
		exit(2);
	}
	vm_page_allocator_init(pages, FRAMES);
	vm_page_add_range(IN_PLACE_END, (phys_addr_t)FRAMES << PAGE_SHIFT);
	if (vm_object_type_init() != KERN_OK || vm_region_type_init() != KERN_OK) {
		printf("%s: the object types did not register\n", name);
		exit(2);
	}
	return vm_page_nr_free();
}

/* host_vm_end - check every frame came back (@free_start of
 * host_vm_begin), release the memory and return host_test_end(). */
static inline int host_vm_end(const char *name, size_t free_start)
{
	CHECK(vm_page_nr_free() == free_start, "frames: %zu free at the end, %zu at the start",
	      vm_page_nr_free(), free_start);
	free(host_phys_base);
	return host_test_end(name);
}

#endif /* MANGO_HOST_VM_H_ */
