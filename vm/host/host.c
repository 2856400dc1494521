/*
 * host.c - the host side of <mango/vm_arch.h> that is not inline: the
 * simulated physical memory's base and kmalloc over the C library.
 */
#include <mango/kmalloc.h>
#include <mango/vm_arch.h>

unsigned char *host_phys_base;

void *kmalloc(size_t size)
{
	return size ? calloc(1, size) : NULL;
}

void kfree(void *p)
{
	free(p);
}
