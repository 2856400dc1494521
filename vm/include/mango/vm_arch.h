/*
 * mango/vm_arch.h - everything vm/ needs from the machine, and nothing more.
 *
 * vm/ is machine-independent: it compiles for the kernel and, with
 * -DMANGO_HOST, for host tests under ASan/UBSan. Each machine must provide:
 *
 *   PAGE_SHIFT, PAGE_SIZE     the base page (the one page-size constant)
 *   USER_HALF_END             where the user half of an address space ends
 *   phys_to_virt(pa)          a kernel pointer to physical address pa
 *                             (virt_to_phys, the other way: kernel only)
 *   irq_save / irq_restore    make a short section atomic on this CPU
 *   the pmap functions        the page tables, contract in <mango/pmap.h>
 *
 * and the kernel's portable services: panic (stop on a broken invariant),
 * printk / pr_warn / pr_info / pr_debug, memset / memcmp / strcmp.
 *
 * vm/ includes exactly one machine header, here: on the kernel
 * <arch/vm_machine.h>, which gives the list above with inline definitions
 * (a call for PAGE_SIZE or phys_to_virt would cost more than the work);
 * on the host vm/host/host.h, which simulates it. No other vm/ file
 * includes <arch/...>, except the host's glue for the machine's pmap
 * (vm/host/pmap_host.c: the host build runs kernel/arch/x86_64/pmap.c).
 */
#ifndef MANGO_VM_ARCH_H_
#define MANGO_VM_ARCH_H_

#ifdef MANGO_HOST
#include "../../host/host.h"
#else
#include <arch/vm_machine.h>
#include <mango/panic.h>
#include <mango/printk.h>
#include <mango/string.h>
#endif
#include <mango/pmap.h> /* restates the machine's pmap declarations: they must agree */

#endif /* MANGO_VM_ARCH_H_ */
