/*
 * vm_syscall.c - Lab 6: the vm_object API as system calls
 * (<mango/vm_syscall.h> is the contract; the numbers <mango/syscall_nr.h>).
 *
 * Every handler validates, then acts (seL4's rule): all of its arguments
 * are checked - and a user string copied into the kernel once, the copy
 * then checked - before anything changes, so a refused call leaves the
 * process's handles, objects and mappings as they were. The rules, per
 * argument (each violation answered with the status, never a panic):
 *
 *   prot    a 64-bit value: only VM_PROT_READ|WRITE|EXEC bits (any other,
 *           VM_PROT_USER included: KERN_INVALID_ARGUMENT); the kernel adds
 *           VM_PROT_USER to every object it creates and mapping it makes
 *   len     page aligned and not 0 (KERN_INVALID_ARGUMENT); an object no
 *           larger than the user half (KERN_OUT_OF_RANGE)
 *   offset, addr, phys   page aligned; x + len must not wrap past 2^64
 *           (KERN_INVALID_ARGUMENT); addr may be VMR_MAP_ANYWHERE (vmr_map)
 *   name    copyinstr into VM_OBJECT_NAME_MAX bytes: its statuses
 *   handle  handle_get with the type and rights the call needs: its
 *           statuses (another type: KERN_INVALID_ARGUMENT, a missing
 *           right: KERN_ACCESS_DENIED)
 * then vm_object_create*, handle_alloc, vm_region_map/unmap/protect do
 * the work in the process's address space (vm_region_active()); their own
 * statuses pass through unchanged.
 *
 * vmo_get_info reports the object's rights without VM_PROT_USER (what
 * vmo_create was asked for), its resident pages in 4 KiB units, and the
 * handle's rights.
 */
#include <mango/handle.h>
#include <mango/panic.h>
#include <mango/string.h>
#include <mango/user.h>
#include <mango/usercopy.h>
#include <mango/vm_object.h>
#include <mango/vm_region.h>
#include <mango/vm_syscall.h>

_Static_assert(VMO_INFO_NAME_MAX == VM_OBJECT_NAME_MAX, "vmo_info's name is a vm_object's name");
_Static_assert(VMR_MAP_ANYWHERE == VM_REGION_ANYWHERE, "vmr_map's ANYWHERE is vm_region_map's");

/* The rights a process may name in a prot argument. */
#define VMSYS_PROT_MASK ((uint64_t)(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC))

/* The largest object a process may create: the size of the user half. */
#define VMSYS_OBJECT_MAX ((uint64_t)USER_HALF_END)

/* ------------------------------------------------------------------------
 * Given: where a system call finds its process, and small lookups.
 * (__used: only the student's handlers call them, and the stubs do not.)
 */

/* vmsys_handles - the handle table of the process in this system call.
 * Assumes a system call (user_current(), or a test's user_attach()):
 * panics otherwise, a kernel bug. */
static __used struct handle_table *vmsys_handles(void)
{
	struct user_thread *t = user_current();

	if (!t)
		panic("vmsys: a system call handler runs without a current thread");
	return &t->ut_handles;
}

/* vmsys_region - the address space of the process in this system call
 * (the active region; vm_region_map & co refuse NULL). */
static __used struct vm_region *vmsys_region(void)
{
	return vm_region_active();
}

/* vmsys_object - the vm_object @obj is (a reference from handle_get()
 * with vm_object_type_ptr()). */
static __used struct vm_object *vmsys_object(struct object *obj)
{
	return container_of(obj, struct vm_object, vo_base);
}

/* vmsys_handle_rights - the rights of handle @h, which handle_get() has
 * just resolved (an open handle). */
static __used uint32_t vmsys_handle_rights(const struct handle_table *ht, int64_t h)
{
	return ht->ht_slots[h].h_rights;
}

/* vmsys_check_privilege - KERN_OK when @res is a handle to an address
 * space with HANDLE_RIGHT_IN_PLACE (HANDLE_SELF of a privileged process);
 * handle_get()'s statuses otherwise: KERN_INVALID_ARGUMENT (no such
 * handle, another type), KERN_ACCESS_DENIED (the right missing). */
static __used kern_status_t vmsys_check_privilege(int64_t res)
{
	struct object *obj;
	kern_status_t s =
	    handle_get(vmsys_handles(), res, vm_region_type_ptr(), HANDLE_RIGHT_IN_PLACE, &obj);

	if (s == KERN_OK)
		object_put(obj);
	return s;
}

/* vmsys_resident - the 4 KiB pages @vo has now (a 2 MiB page counts 512;
 * an in-place object has all of them). Lock: @vo's held (vo_pages). */
static __used uint64_t vmsys_resident(struct vm_object *vo)
{
	uint64_t pages = 0;

	VM_OBJECT_ASSERT_LOCKED(vo);
	if (vo->vo_flags & VMO_IN_PLACE)
		return vo->vo_size / PAGE_SIZE;
	for (struct btree_node *n = btree_first(&vo->vo_pages); n; n = btree_next(n))
		pages += (uint64_t)1 << container_of(n, struct vm_page, p_node)->p_order;
	return pages;
}

/* ------------------------------------------------------------------------
 * The student's part of Lab 6.
 */

// LAB 6 SOLUTION BEGIN
/* prot_from_user - the rights a prot argument @raw names, all 64 bits of
 * it checked: KERN_OK and *@out; KERN_INVALID_ARGUMENT for any bit but
 * READ, WRITE, EXEC. */
static kern_status_t prot_from_user(uint64_t raw, enum vm_prot *out)
{
	if (raw & ~VMSYS_PROT_MASK)
		return KERN_INVALID_ARGUMENT;
	*out = (enum vm_prot)raw;
	return KERN_OK;
}

/* range_from_user - [@start, @start + @len) as a call may name it: page
 * aligned, not empty, not wrapping (KERN_INVALID_ARGUMENT otherwise). */
static kern_status_t range_from_user(uint64_t start, uint64_t len)
{
	if ((start | len) & (PAGE_SIZE - 1) || !len || start + len < start)
		return KERN_INVALID_ARGUMENT;
	return KERN_OK;
}

/* object_args - the arguments both constructors share, checked: the name
 * copied into @name, the length, the rights (with VM_PROT_USER added). */
static kern_status_t object_args(uint64_t uname, uint64_t len, uint64_t raw_prot,
                                 char name[VM_OBJECT_NAME_MAX], enum vm_prot *prot)
{
	kern_status_t s = prot_from_user(raw_prot, prot);

	if (s != KERN_OK)
		return s;
	if ((len & (PAGE_SIZE - 1)) || !len)
		return KERN_INVALID_ARGUMENT;
	if (len > VMSYS_OBJECT_MAX)
		return KERN_OUT_OF_RANGE;
	s = copyinstr(name, uname, VM_OBJECT_NAME_MAX, NULL);
	*prot |= VM_PROT_USER;
	return s;
}

/* handle_for - a new handle with VMO_HANDLE_RIGHTS to the new object @vo
 * (NULL: the constructor ran out of memory), taking over the caller's
 * reference: the handle, or the error. */
static int64_t handle_for(struct vm_object *vo)
{
	kern_status_t s;
	int h;

	if (!vo)
		return syscall_error(KERN_NO_MEMORY);
	s = handle_alloc(vmsys_handles(), &vo->vo_base, VMO_HANDLE_RIGHTS, &h);
	vm_object_put(vo); /* the handle holds its own; on failure this destroys it */
	return s == KERN_OK ? h : syscall_error(s);
}
// LAB 6 STUB: /* Lab 6: helpers of your own go here, for instance "check a
// LAB 6 STUB:  * prot argument (all 64 bits of it)", "check an address range
// LAB 6 STUB:  * (aligned, not empty, not wrapping)", "the arguments both
// LAB 6 STUB:  * constructors share". */
// LAB 6 SOLUTION END

/* vmo_create(name, len, prot): a handle to a new demand object of @len
 * bytes, rights @prot (+ VM_PROT_USER). Exercise 2. */
int64_t sys_vmo_create(const struct syscall_args *args)
{
	// LAB 6 SOLUTION BEGIN
	char name[VM_OBJECT_NAME_MAX];
	enum vm_prot prot;
	kern_status_t s = object_args(args->a[0], args->a[1], args->a[2], name, &prot);

	if (s != KERN_OK)
		return syscall_error(s);
	return handle_for(vm_object_create(name, args->a[1], prot));
	// LAB 6 STUB: /* Lab 6, Exercise 2: check prot (READ, WRITE, EXEC only) and
	// LAB 6 STUB:  * len (aligned, not 0, not larger than the user half),
	// LAB 6 STUB:  * copyinstr the name; then vm_object_create with
	// LAB 6 STUB:  * VM_PROT_USER added, handle_alloc with VMO_HANDLE_RIGHTS on
	// LAB 6 STUB:  * vmsys_handles(), and put the creation reference. */
	// LAB 6 STUB: (void)args;
	// LAB 6 STUB: return syscall_error(KERN_UNIMPLEMENTED);
	// LAB 6 SOLUTION END
}
SYSCALL_DEFINE(SYS_VMO_CREATE, vmo_create, sys_vmo_create);

/* vmo_create_in_place(res, name, phys, len, prot): a handle to an object
 * over [@phys, @phys + @len); @res must carry HANDLE_RIGHT_IN_PLACE
 * (vmsys_check_privilege). Exercise 6. */
int64_t sys_vmo_create_in_place(const struct syscall_args *args)
{
	// LAB 6 SOLUTION BEGIN
	char name[VM_OBJECT_NAME_MAX];
	uint64_t phys = args->a[2], len = args->a[3];
	enum vm_prot prot;
	kern_status_t s = vmsys_check_privilege((int64_t)args->a[0]);

	if (s == KERN_OK)
		s = object_args(args->a[1], len, args->a[4], name, &prot);
	if (s == KERN_OK)
		s = range_from_user(phys, len);
	if (s != KERN_OK)
		return syscall_error(s);
	return handle_for(vm_object_create_in_place(name, phys, len, prot));
	// LAB 6 STUB: /* Lab 6, Exercise 6: vmsys_check_privilege(res) first; then
	// LAB 6 STUB:  * the arguments as vmo_create's, and phys page aligned with
	// LAB 6 STUB:  * phys + len not wrapping; vm_object_create_in_place, then a
	// LAB 6 STUB:  * handle as in vmo_create. */
	// LAB 6 STUB: (void)args;
	// LAB 6 STUB: return syscall_error(KERN_UNIMPLEMENTED);
	// LAB 6 SOLUTION END
}
SYSCALL_DEFINE(SYS_VMO_CREATE_IN_PLACE, vmo_create_in_place, sys_vmo_create_in_place);

/* vmo_get_info(h, info): 0 with *@info filled (struct vmo_info); @h needs
 * HANDLE_RIGHT_READ. Exercise 3. */
int64_t sys_vmo_get_info(const struct syscall_args *args)
{
	// LAB 6 SOLUTION BEGIN
	struct handle_table *ht = vmsys_handles();
	int64_t h = (int64_t)args->a[0];
	uintptr_t uinfo = args->a[1];
	struct vmo_info info;
	struct vm_object *vo;
	struct object *obj;
	kern_status_t s;

	if (!user_range_ok(uinfo, sizeof(info)))
		return syscall_error(KERN_INVALID_ARGUMENT);
	s = handle_get(ht, h, vm_object_type_ptr(), HANDLE_RIGHT_READ, &obj);
	if (s != KERN_OK)
		return syscall_error(s);
	vo = vmsys_object(obj);
	memset(&info, 0, sizeof(info)); /* no kernel stack bytes go out */
	vm_object_lock(vo);
	strlcpy(info.name, vo->vo_name, sizeof(info.name));
	info.size = vo->vo_size;
	info.resident = vmsys_resident(vo);
	info.phys = (vo->vo_flags & VMO_IN_PLACE) ? vo->vo_phys_base : 0;
	info.prot = (uint32_t)(vo->vo_prot & VMSYS_PROT_MASK);
	info.flags = (vo->vo_flags & VMO_IN_PLACE) ? VMO_INFO_IN_PLACE : 0;
	info.rights = vmsys_handle_rights(ht, h);
	vm_object_unlock(vo);
	object_put(obj);
	s = copyout(uinfo, &info, sizeof(info));
	return s == KERN_OK ? 0 : syscall_error(s);
	// LAB 6 STUB: /* Lab 6, Exercise 3: handle_get the object with
	// LAB 6 STUB:  * HANDLE_RIGHT_READ, fill a zeroed struct vmo_info on the
	// LAB 6 STUB:  * kernel stack under the object's lock (vmsys_resident,
	// LAB 6 STUB:  * vmsys_handle_rights), unlock, put the reference, copyout. */
	// LAB 6 STUB: (void)args;
	// LAB 6 STUB: return syscall_error(KERN_UNIMPLEMENTED);
	// LAB 6 SOLUTION END
}
SYSCALL_DEFINE(SYS_VMO_GET_INFO, vmo_get_info, sys_vmo_get_info);

/* vmr_map(h, offset, len, prot, addr): the address where [@offset,
 * @offset + @len) of @h's object is now mapped with @prot (+ VM_PROT_USER):
 * @addr, or the lowest fit for VMR_MAP_ANYWHERE. @h needs
 * HANDLE_RIGHT_MAP. Exercise 4. */
int64_t sys_vmr_map(const struct syscall_args *args)
{
	// LAB 6 SOLUTION BEGIN
	uint64_t offset = args->a[1], len = args->a[2];
	uintptr_t where = args->a[4];
	struct object *obj;
	enum vm_prot prot;
	kern_status_t s = prot_from_user(args->a[3], &prot);

	if (s == KERN_OK)
		s = range_from_user(offset, len);
	if (s == KERN_OK && where != VMR_MAP_ANYWHERE)
		s = range_from_user(where, len);
	if (s == KERN_OK)
		s = handle_get(vmsys_handles(), (int64_t)args->a[0], vm_object_type_ptr(),
		               HANDLE_RIGHT_MAP, &obj);
	if (s != KERN_OK)
		return syscall_error(s);
	s = vm_region_map(vmsys_region(), vmsys_object(obj), (off_t)offset, len,
	                  prot | VM_PROT_USER, &where);
	object_put(obj); /* the mapping holds its own */
	return s == KERN_OK ? (int64_t)where : syscall_error(s);
	// LAB 6 STUB: /* Lab 6, Exercise 4: check prot, offset and len (aligned,
	// LAB 6 STUB:  * not 0, offset + len not wrapping) and a fixed addr (aligned,
	// LAB 6 STUB:  * addr + len not wrapping); handle_get with HANDLE_RIGHT_MAP;
	// LAB 6 STUB:  * vm_region_map on vmsys_region() with VM_PROT_USER added; put
	// LAB 6 STUB:  * the reference; return where it was mapped. */
	// LAB 6 STUB: (void)args;
	// LAB 6 STUB: return syscall_error(KERN_UNIMPLEMENTED);
	// LAB 6 SOLUTION END
}
SYSCALL_DEFINE(SYS_VMR_MAP, vmr_map, sys_vmr_map);

/* vmr_unmap(addr, len): 0 when [@addr, @addr + @len) of the process's
 * address space is unmapped (vm_region_unmap). Exercise 5. */
int64_t sys_vmr_unmap(const struct syscall_args *args)
{
	// LAB 6 SOLUTION BEGIN
	kern_status_t s = range_from_user(args->a[0], args->a[1]);

	if (s == KERN_OK)
		s = vm_region_unmap(vmsys_region(), args->a[0], args->a[1]);
	return syscall_error(s);
	// LAB 6 STUB: /* Lab 6, Exercise 5: check the range (aligned, not 0, not
	// LAB 6 STUB:  * wrapping), then vm_region_unmap on vmsys_region(). */
	// LAB 6 STUB: (void)args;
	// LAB 6 STUB: return syscall_error(KERN_UNIMPLEMENTED);
	// LAB 6 SOLUTION END
}
SYSCALL_DEFINE(SYS_VMR_UNMAP, vmr_unmap, sys_vmr_unmap);

/* vmr_protect(addr, len, prot): 0 when [@addr, @addr + @len) has the
 * rights @prot (+ VM_PROT_USER) (vm_region_protect). Exercise 5. */
int64_t sys_vmr_protect(const struct syscall_args *args)
{
	// LAB 6 SOLUTION BEGIN
	enum vm_prot prot;
	kern_status_t s = prot_from_user(args->a[2], &prot);

	if (s == KERN_OK)
		s = range_from_user(args->a[0], args->a[1]);
	if (s == KERN_OK)
		s = vm_region_protect(vmsys_region(), args->a[0], args->a[1], prot | VM_PROT_USER);
	return syscall_error(s);
	// LAB 6 STUB: /* Lab 6, Exercise 5: check prot and the range as vmr_map
	// LAB 6 STUB:  * does, then vm_region_protect with VM_PROT_USER added. */
	// LAB 6 STUB: (void)args;
	// LAB 6 STUB: return syscall_error(KERN_UNIMPLEMENTED);
	// LAB 6 SOLUTION END
}
SYSCALL_DEFINE(SYS_VMR_PROTECT, vmr_protect, sys_vmr_protect);

/* handle_close(h): 0 when handle @h is closed (its reference dropped);
 * closing what is not open is KERN_INVALID_ARGUMENT. Exercise 2. */
int64_t sys_handle_close(const struct syscall_args *args)
{
	// LAB 6 SOLUTION BEGIN
	return syscall_error(handle_close(vmsys_handles(), (int64_t)args->a[0]));
	// LAB 6 STUB: /* Lab 6, Exercise 2: handle_close on vmsys_handles(). */
	// LAB 6 STUB: (void)args;
	// LAB 6 STUB: return syscall_error(KERN_UNIMPLEMENTED);
	// LAB 6 SOLUTION END
}
SYSCALL_DEFINE(SYS_HANDLE_CLOSE, handle_close, sys_handle_close);
