/*
 * mango/vmo_info.h - what vmo_get_info() copies out to a user program
 * (Lab 6, <mango/vm_syscall.h>): plain types only, so user programs
 * include it too (kernel/user/ulib.h).
 */
#ifndef MANGO_VMO_INFO_H_
#define MANGO_VMO_INFO_H_

#include <mango/types.h>

#define VMO_INFO_NAME_MAX 64 /* == VM_OBJECT_NAME_MAX (checked where both are seen) */
#define VMO_INFO_IN_PLACE 0x1u /* flags: an in-place object */
#define VMR_MAP_ANYWHERE ((uint64_t)-1) /* vmr_map's addr: wherever it fits */
#define HANDLE_SELF 1 /* every process's first handle: its own address space */

struct vmo_info {
	char name[VMO_INFO_NAME_MAX]; /* NUL-terminated */
	uint64_t size;                /* bytes, page aligned */
	uint64_t resident;            /* pages the object has now (a 2 MiB page: 512) */
	uint64_t phys;                /* in-place objects: the first frame; else 0 */
	uint32_t prot;                /* the object's rights: enum vm_prot bits */
	uint32_t flags;               /* VMO_INFO_* */
	uint32_t rights;              /* this handle's rights: enum handle_rights bits */
	uint32_t reserved;            /* 0 */
};

#endif /* MANGO_VMO_INFO_H_ */
