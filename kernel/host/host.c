/*
 * host.c - the host side of <mango/host.h> that is not inline: kmalloc
 * over the C library (so ASan sees every object).
 */
#include <mango/host.h>
#include <mango/kmalloc.h>

void *kmalloc(size_t size)
{
	return size ? calloc(1, size) : NULL;
}

void kfree(void *p)
{
	free(p);
}
