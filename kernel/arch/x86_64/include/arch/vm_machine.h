/*
 * arch/vm_machine.h - what x86-64 gives the machine-independent VM (vm/):
 * the one arch header vm/ includes (through <mango/vm_arch.h>).
 *
 *   PAGE_SHIFT, PAGE_SIZE, phys_to_virt, virt_to_phys  <arch/memlayout.h>
 *   irq_save, irq_restore                              <arch/irq.h>
 *   the pmap functions                                 <arch/pmap.h>
 *
 * Inline definitions where a call would cost more than the work; the
 * contract they meet is vm/include/mango/vm_arch.h and mango/pmap.h.
 */
#ifndef ARCH_VM_MACHINE_H_
#define ARCH_VM_MACHINE_H_

#include <arch/irq.h>
#include <arch/memlayout.h>
#include <arch/pmap.h>

#endif /* ARCH_VM_MACHINE_H_ */
