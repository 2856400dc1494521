/*
 * arch/mmu.h - the kernel's page tables: mmu_init() builds them,
 * mmu_is_mapped() asks them. The address layout and the conversions
 * (KERNEL_BASE, phys_to_virt, ...) are <arch/memlayout.h>, included here.
 */
#ifndef ARCH_MMU_H_
#define ARCH_MMU_H_

#include <arch/memlayout.h>
#include <arch/x86.h>

#ifndef __ASSEMBLER__
#include <mango/types.h>

void mmu_init(void);
bool mmu_is_mapped(const void *va);
#endif

#endif /* ARCH_MMU_H_ */
