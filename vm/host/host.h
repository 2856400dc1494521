/*
 * host.h - the machine vm/ expects (see <mango/vm_arch.h>), simulated on the
 * host for tests under ASan/UBSan and for benchmarks: kernel/'s host shim
 * (<mango/host.h>: panic, printk, irq_save, the C library) plus memory.
 *
 * "Physical memory" is a host buffer, host_phys_base; physical address pa
 * is host_phys_base + pa.
 */
#ifndef MANGO_VM_HOST_H_
#define MANGO_VM_HOST_H_

#include <mango/host.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
/* The host runs x86-64's pmap: its user half (<arch/memlayout.h>). */
#define USER_HALF_END 0x0000800000000000ull

extern unsigned char *host_phys_base;

static inline void *phys_to_virt(phys_addr_t pa)
{
	return host_phys_base + pa;
}

#endif /* MANGO_VM_HOST_H_ */
