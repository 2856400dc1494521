/*
 * mango/vm_prot.h - memory protection bits.
 *
 * In kernel/ because the machine implements them: the pmap
 * (kernel/arch/<arch>/pmap.c) turns them into page-table bits for vm/.
 */
#ifndef MANGO_VM_PROT_H_
#define MANGO_VM_PROT_H_

enum vm_prot {
	VM_PROT_NONE = 0,
	VM_PROT_READ = 0x1,
	VM_PROT_WRITE = 0x2,
	VM_PROT_EXEC = 0x4,
	VM_PROT_USER = 0x8, /* accessible from user mode */
	VM_PROT_ALL = VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC | VM_PROT_USER,
};

#endif /* MANGO_VM_PROT_H_ */
