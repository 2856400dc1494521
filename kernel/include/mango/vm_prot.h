/*
 * mango/vm_prot.h - memory protection bits.
 *
 * In kernel/ because the machine implements them: the pmap
 * (kernel/arch/<arch>/pmap.c) turns them into page-table bits for vm/.
 * The monitor writes them as letters of "rwxu" (vm_prot.c), the same form
 * everywhere: `vmo create buf 8K rw`, `vmr list`, `pt`.
 */
#ifndef MANGO_VM_PROT_H_
#define MANGO_VM_PROT_H_

#include <mango/types.h>

enum vm_prot {
	VM_PROT_NONE = 0,
	VM_PROT_READ = 0x1,
	VM_PROT_WRITE = 0x2,
	VM_PROT_EXEC = 0x4,
	VM_PROT_USER = 0x8, /* accessible from user mode */
	VM_PROT_ALL = VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC | VM_PROT_USER,
};

#define VM_PROT_STRING_SIZE 5 /* "rwxu" and its NUL */

/* vm_prot_format - @prot as four letters in @buf, "rwxu" with '-' for each
 * right not held ("rw--", "r-x-"); returns @buf. Bits outside VM_PROT_ALL
 * are not shown. */
const char *vm_prot_format(enum vm_prot prot, char buf[VM_PROT_STRING_SIZE]);

/* vm_prot_parse - the rights named by @s, letters of "rwxu" in any order
 * ('-' stands for nothing, so vm_prot_format's output parses back): true
 * and *@out, or false (nothing stored) when @s has any other character. */
bool vm_prot_parse(const char *s, enum vm_prot *out);

#endif /* MANGO_VM_PROT_H_ */
