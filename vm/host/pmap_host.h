/*
 * pmap_host.h - test hooks of the host pmap (pmap_host.c); the pmap itself
 * is <mango/pmap.h>.
 */
#ifndef MANGO_PMAP_HOST_H_
#define MANGO_PMAP_HOST_H_

#include <mango/vm_arch.h>

/* pmap_host_tables_live - table pages allocated and not yet freed, over
 * every pmap (the kernel pmap's included). */
size_t pmap_host_tables_live(void);

/* pmap_host_fail_after - let @n more table allocations succeed, then fail
 * every one (KERN_NO_MEMORY); -1 lets them all succeed again. */
void pmap_host_fail_after(long n);

#endif /* MANGO_PMAP_HOST_H_ */
