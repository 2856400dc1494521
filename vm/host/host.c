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

/* Line-buffer stdout before main(): each printed line (a test's seed) is
 * out before an ASan/UBSan report or abort() ends the process, piped or
 * not, and a fork()ed child inherits no unwritten copy of it. */
__attribute__((constructor)) static void host_stdout_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}
