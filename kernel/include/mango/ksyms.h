/*
 * mango/ksyms.h - the kernel's own symbol table, embedded at link time.
 *
 * kernel/tools/mksyms.py turns `nm` of a first link into the .ksyms
 * section of the second (see the Makefile), so a backtrace can name
 * functions with no debugger attached.
 */
#ifndef MANGO_KSYMS_H_
#define MANGO_KSYMS_H_

#include <mango/types.h>

/*
 * ksym_lookup - name of the function containing @addr, with the offset of
 * @addr into it in *@offset. Returns NULL if @addr is in no known function.
 */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);

/* ksym_address - start address of the function called @name, or 0. */
uintptr_t ksym_address(const char *name);

/* ksym_count - number of symbols in the table (0 in a first-pass link). */
size_t ksym_count(void);

#endif /* MANGO_KSYMS_H_ */
