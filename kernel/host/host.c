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

/* Line-buffer stdout before main(): each printed line (a test's seed) is
 * out before an ASan/UBSan report or abort() ends the process, piped or
 * not, and a fork()ed child inherits no unwritten copy of it. */
__attribute__((constructor)) static void host_stdout_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}
