/*
 * mango/vm_arch.h - everything vm/ needs from the machine, and nothing more.
 *
 * vm/ is machine-independent: it compiles for the kernel and, with
 * -DMANGO_HOST, for host tests under ASan/UBSan. The kernel side of this
 * list comes from kernel/arch/x86_64 (<arch/memlayout.h>, <arch/x86.h>) and
 * kernel/ (panic, printk, string); the host side from vm/host/host.h.
 *
 *   PAGE_SHIFT, PAGE_SIZE     the base page
 *   phys_to_virt(pa)          a kernel pointer to physical address pa
 *                             (virt_to_phys, the other way: kernel only)
 *   panic(fmt, ...)           stop on a broken invariant (never returns)
 *   printk / pr_warn          messages
 *   memset, memcmp, strcmp    from <mango/string.h> or the C library
 *   irq_save / irq_restore    make a short section atomic on this CPU
 */
#ifndef MANGO_VM_ARCH_H_
#define MANGO_VM_ARCH_H_

#ifdef MANGO_HOST
#include "../../host/host.h"
#else
#include <arch/io.h>
#include <arch/memlayout.h>
#include <arch/x86.h>
#include <mango/panic.h>
#include <mango/printk.h>
#include <mango/string.h>
#endif

#endif /* MANGO_VM_ARCH_H_ */
