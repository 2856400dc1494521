// LAB 6 FILE
/*
 * vmkill.c - Lab 6 accesses that must end the process (the kernel lives):
 *
 *   vmkill unmap     touch a page after vmr_unmap of it
 *   vmkill protect   write a page after vmr_protect made it read-only
 *
 * Either prints "vmkill: survived" only if the access went through; the
 * grader wants the kernel's "user: vmkill killed: ..." instead. A call that
 * fails first prints "vmkill: FAILED ..." and exits 1.
 */
#include <mango/string.h>
#include <ulib.h>

#define PAGE 0x1000ul /* bytes in a page */

#define RW (VM_PROT_READ | VM_PROT_WRITE)

/* must - @r when it is >= 0; else say what failed and exit 1. */
static long must(const char *what, long r)
{
	if (r < 0) {
		printf("vmkill: FAILED %s: %ld (%s)\n", what, r, status_name(r));
		exit(1);
	}
	return r;
}

int main(int argc, char **argv)
{
	long h = must("vmo_create", vmo_create("victim", 2 * PAGE, RW));
	uint64_t a = (uint64_t)must("vmr_map", vmr_map(h, 0, 2 * PAGE, RW, VMR_MAP_ANYWHERE));
	volatile uint64_t *p = (volatile uint64_t *)(a + PAGE);

	*p = 1; /* the page is in, and entered */
	if (argc == 2 && !strcmp(argv[1], "unmap")) {
		must("vmr_unmap", vmr_unmap(a, 2 * PAGE));
		printf("vmkill: touching 0x%lx after unmapping it\n", (uint64_t)p);
		*p = 2;
	} else if (argc == 2 && !strcmp(argv[1], "protect")) {
		must("vmr_protect", vmr_protect(a, 2 * PAGE, VM_PROT_READ));
		printf("vmkill: read 0x%lx at 0x%lx; writing it read-only\n", *p, (uint64_t)p);
		*p = 3;
	} else {
		printf("usage: vmkill unmap|protect\n");
		return 2;
	}
	printf("vmkill: survived\n");
	return 0;
}
