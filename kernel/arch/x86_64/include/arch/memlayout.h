/*
 * arch/memlayout.h - the kernel's virtual address layout on x86-64, and
 * the conversions between physical and kernel addresses.
 *
 *   0xFFFFFFFF80000000 + p  kernel image, linked at -2 GiB (KERNEL_BASE)
 *   0xFFFF800000000000 + p  direct map of all physical memory (PHYS_MAP_BASE)
 *   0x0000000000000000 ..   user half; nothing mapped by the kernel
 *
 * Constants and inline arithmetic only, below everything (the page-table
 * code is <arch/mmu.h>, which includes this). See docs/boot.md for the
 * picture.
 */
#ifndef ARCH_MEMLAYOUT_H_
#define ARCH_MEMLAYOUT_H_

#include <arch/x86.h> /* PAGE_SIZE */

#define KERNEL_BASE 0xFFFFFFFF80000000
#define KERNEL_HALF_BASE 0xFFFF800000000000 /* lowest kernel address */
#define USER_HALF_END 0x0000800000000000    /* end of the user half */
#define PHYS_MAP_BASE 0xFFFF800000000000
#define KERNEL_LOAD_PHYS 0x100000 /* 1 MiB: where GRUB loads the image */

/* Boot page tables map this much physical memory at both 0 and
 * KERNEL_BASE, with 2 MiB pages, until mmu_init() replaces them. */
#define BOOT_MAP_SIZE 0x40000000 /* 1 GiB */

#define BOOT_STACK_SIZE (16 * 1024)
#define IST_STACK_SIZE (8 * 1024)

#ifndef __ASSEMBLER__
#include <mango/types.h>

/* The direct map covers RAM up to this much physical address space. */
#define PHYS_MAP_MAX (64ull << 30)

/*
 * phys_to_virt - kernel virtual address of physical address @pa through the
 * direct map. Assumes mmu_init() has run and pa < PHYS_MAP_MAX.
 */
static inline void *phys_to_virt(phys_addr_t pa)
{
	return (void *)(uintptr_t)(PHYS_MAP_BASE + pa);
}

/*
 * virt_to_phys - physical address behind @va, which must be a direct-map or
 * kernel-image address (not a vmalloc-style mapping).
 */
static inline phys_addr_t virt_to_phys(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	if (v >= KERNEL_BASE)
		return (phys_addr_t)(v - KERNEL_BASE);
	return (phys_addr_t)(v - PHYS_MAP_BASE);
}

/* Early (pre-mmu_init) access to low physical memory through the image map. */
static inline void *boot_phys_to_virt(phys_addr_t pa)
{
	return (void *)(uintptr_t)(KERNEL_BASE + pa);
}
#endif /* __ASSEMBLER__ */

#endif /* ARCH_MEMLAYOUT_H_ */
