/*
 * host.c - the host side of <mango/vm_arch.h> that is not inline: the
 * simulated physical memory's base (kmalloc is kernel/host/host.c's).
 */
#include <mango/vm_arch.h>

unsigned char *host_phys_base;
