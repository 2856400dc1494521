// LAB 6 FILE
/*
 * vm_syscall_test.c - Lab 6's in-kernel tests (suite "vmsys"): the seven
 * vm_object system calls driven the way a process drives them. Each case
 * builds a real process around the packed program "hello" (proc_create),
 * makes its address space the active one and its thread the current one
 * (user_attach), and then calls the handlers through syscall_invoke() -
 * the dispatcher's own door, so a call registered under the wrong number
 * fails too - with the arguments a hostile program could pass. Every
 * refusal is checked for its status and for having changed nothing: the
 * free page count, the live vm_objects, the process's open handles and
 * its mappings (struct vmsys_snap). Success paths check what the kernel
 * made (the object, its rights with VM_PROT_USER added, the mapping's
 * rights, the handle's rights) and what the CPU then lets through
 * (probe_read64/probe_write64 at the mapped address, with Lab 5's faults).
 *
 * The cases, each named for what it proves; the student bug it catches is
 * written over each:
 *   vmsys.create_gives_a_handle_with_vmo_rights
 *   vmsys.close_destroys_the_object_and_refuses_twice
 *   vmsys.create_refuses_bad_prot
 *   vmsys.create_refuses_bad_len
 *   vmsys.create_refuses_bad_names
 *   vmsys.full_handle_table_leaks_no_object
 *   vmsys.get_info_reports_the_object
 *   vmsys.get_info_refuses_bad_handles_and_pointers
 *   vmsys.map_touch_unmap_close_frees_everything
 *   vmsys.map_refuses_bad_prot
 *   vmsys.map_refuses_bad_ranges
 *   vmsys.map_checks_handle_type_and_right
 *   vmsys.unmap_and_protect_check_their_ranges
 *   vmsys.protect_keeps_user_and_checks_prot
 *   vmsys.in_place_needs_the_privilege
 *   vmsys.in_place_in_a_privileged_process
 *
 * The suite's setup warms up kmalloc; its leak check proves each case gave
 * back every frame (the process's pages included: it is destroyed in the
 * case, or by the teardown when a case stopped early).
 */
#include <mango/format.h>
#include <mango/ktest.h>
#include <mango/printk.h>
#include <mango/probe.h>
#include <mango/proc.h>
#include <mango/string.h>
#include <mango/syscall.h>
#include <mango/user.h>
#include <mango/user_image.h>
#include <mango/usercopy.h>
#include <mango/vm_object.h>
#include <mango/vm_region.h>
#include <mango/vm_syscall.h>

#include "vm_test_fixture.h"

#define R         VM_PROT_READ
#define W         VM_PROT_WRITE
#define X         VM_PROT_EXEC
#define U         VM_PROT_USER
#define SCRATCH   ((uintptr_t)0x10000000) /* a page of user memory the cases write names to */
#define FREE_VA   ((uintptr_t)0x20000000) /* nothing mapped here: fixed maps go here */
#define KERNEL_VA ((uintptr_t)0xffffffff80000000ull) /* in the kernel half */
#define PROG      "hello"
#define PROG_TEXT ((uintptr_t)0x400000) /* where user.ld puts every program */

/* ---- the process a case runs as ---- */

static struct proc *attached; /* the case's process, or NULL */

/* attach - a new process running PROG (privileged: PROC_PRIVILEGED), its
 * address space active and its thread current; the case stops if there
 * is none. */
static struct proc *attach(struct ktest *kt, unsigned flags)
{
	const struct user_image *img = user_image_find(PROG);
	char *argv[] = { PROG };
	char why[128];
	struct proc *p = NULL;

	KT_ASSERT_NOT_NULL(img);
	ASSERT_STATUS(
	    proc_create(PROG, img->ui_data, img->ui_size, 1, argv, flags, &p, why, sizeof(why)),
	    KERN_OK);
	attached = p;
	vm_region_activate(p->p_region);
	ASSERT_STATUS(user_attach(&p->p_thread), KERN_OK);
	return p;
}

/* detach - end the case's process: no thread current, the kernel's pmap
 * back, the process destroyed (its handles closed, every page freed). */
static void detach(void)
{
	if (!attached)
		return;
	if (user_current() == &attached->p_thread)
		user_detach(&attached->p_thread);
	vm_region_activate(NULL);
	proc_destroy(attached);
	attached = NULL;
}

static void vmsys_warm_up(struct ktest *kt)
{
	warm_kmalloc();
}

static void vmsys_teardown(struct ktest *kt)
{
	detach();
	release_held();
}

KTEST_SUITE_HOOKS(vmsys, .setup = vmsys_warm_up, .teardown = vmsys_teardown,
                  .count = vm_page_nr_free, .counted = "free pages");

/* ---- calling, as the process ---- */

/* call - system call @nr with @a0..@a4, through the dispatcher. */
static int64_t call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct syscall_args args = { { a0, a1, a2, a3, a4, 0 } };

	return syscall_invoke(nr, &args);
}

#define vmo_create(name, len, prot) call(SYS_VMO_CREATE, name, len, prot, 0, 0)
#define vmo_create_in_place(res, name, phys, len, prot)                                            \
	call(SYS_VMO_CREATE_IN_PLACE, res, name, phys, len, prot)
#define vmo_get_info(h, info)            call(SYS_VMO_GET_INFO, h, info, 0, 0, 0)
#define vmr_map(h, off, len, prot, addr) call(SYS_VMR_MAP, h, off, len, prot, addr)
#define vmr_unmap(addr, len)             call(SYS_VMR_UNMAP, addr, len, 0, 0, 0)
#define vmr_protect(addr, len, prot)     call(SYS_VMR_PROTECT, addr, len, prot, 0, 0)
#define handle_close_(h)                 call(SYS_HANDLE_CLOSE, h, 0, 0, 0, 0)

/* result_is - whether a call's result @got is the failure @want;
 * otherwise a failure naming the call and both. Through EXPECT_ERR. */
static bool result_is(struct ktest *kt, int64_t got, kern_status_t want, const char *what,
                      const char *file, int line)
{
	if (got == syscall_error(want))
		return true;
	if (got >= 0)
		ktest_fail(kt, file, line, false, "%s: expected -%s, got %ld (success)", what,
		           kern_status_name(want), (long)got);
	else
		ktest_fail(kt, file, line, false, "%s: expected -%s, got -%s", what,
		           kern_status_name(want), kern_status_name((kern_status_t)-got));
	return false;
}

#define EXPECT_ERR(c, want) result_is(kt, (c), (want), #c, __FILE__, __LINE__)

/* ok_result - whether a call succeeded (>= 0); a fatal failure naming
 * its status otherwise. Through ASSERT_OK, which gives the result. */
static int64_t ok_result(struct ktest *kt, int64_t got, const char *what, const char *file,
                         int line)
{
	if (got < 0)
		ktest_fail(kt, file, line, true, "%s: expected success, got -%s", what,
		           kern_status_name((kern_status_t)-got));
	return got;
}

#define ASSERT_OK(c) ok_result(kt, (c), #c, __FILE__, __LINE__)

/* ---- what a refused call must leave as it was ---- */

struct vmsys_snap {
	size_t free;     /* free page frames, and those the pmap's tables hold
	                  * (an emptied table may stay until the process ends) */
	size_t objects;  /* live vm_objects */
	size_t handles;  /* the process's open handles */
	size_t mappings; /* the process's mappings */
};

static size_t mappings_of(struct vm_region *r)
{
	size_t n = 0;

	vm_region_lock(r);
	for (struct btree_node *b = btree_first(&r->vr_mappings); b; b = btree_next(b))
		n++;
	vm_region_unlock(r);
	return n;
}

static struct vmsys_snap snap(struct proc *p)
{
	return (struct vmsys_snap){
		.free = vm_page_nr_free() + pmap_table_pages(p->p_region->vr_pmap),
		.objects = vm_object_type_ptr()->ot_count,
		.handles = p->p_thread.ut_handles.ht_used,
		.mappings = mappings_of(p->p_region),
	};
}

/* expect_unchanged - @before against now; a failure per difference. */
static void expect_unchanged(struct ktest *kt, struct proc *p, struct vmsys_snap before,
                             const char *file, int line)
{
	struct vmsys_snap now = snap(p);

	if (now.free != before.free || now.objects != before.objects ||
	    now.handles != before.handles || now.mappings != before.mappings)
		ktest_fail(kt, file, line, false,
		           "something changed: free pages (+ table pages) %zu -> %zu, vm_objects "
		           "%zu -> %zu, handles %zu -> %zu, mappings %zu -> %zu",
		           before.free, now.free, before.objects, now.objects, before.handles,
		           now.handles, before.mappings, now.mappings);
}

#define EXPECT_UNCHANGED(p, before) expect_unchanged(kt, p, before, __FILE__, __LINE__)

/* ---- user memory and objects behind handles ---- */

/* scratch - map one page of user memory RW at SCRATCH (the kernel does
 * it, the way the loader maps a segment) and bring it in; the process's
 * mapping holds the only reference. */
static void scratch(struct ktest *kt, struct proc *p)
{
	struct vm_object *vo = vm_object_create("vmsys.scratch", PG, R | W | U);
	uintptr_t where = SCRATCH;

	KT_ASSERT_NOT_NULL(vo);
	ASSERT_STATUS(vm_region_map(p->p_region, vo, 0, PG, R | W | U, &where), KERN_OK);
	vm_object_put(vo);
	ASSERT_STATUS(probe_write64(SCRATCH, 0), KERN_OK);
}

/* put_str - @s (and its NUL) at user address @uaddr. */
static void put_str(struct ktest *kt, uintptr_t uaddr, const char *s)
{
	ASSERT_STATUS(copyout(uaddr, s, strlen(s) + 1), KERN_OK);
}

/* object_of - the vm_object handle @h names (no reference kept: the
 * handle holds one), or NULL. */
static struct vm_object *object_of(struct proc *p, int64_t h)
{
	struct object *obj;

	if (handle_get(&p->p_thread.ut_handles, h, vm_object_type_ptr(), 0, &obj) != KERN_OK)
		return NULL;
	object_put(obj);
	return container_of(obj, struct vm_object, vo_base);
}

/* rights_of - the rights of open handle @h. */
static uint32_t rights_of(struct proc *p, int64_t h)
{
	return p->p_thread.ut_handles.ht_slots[h].h_rights;
}

/* mapping_prot - the rights of the mapping holding @va, or VM_PROT_NONE. */
static enum vm_prot mapping_prot(struct proc *p, uintptr_t va)
{
	struct vm_region_mapping *m;
	enum vm_prot prot = VM_PROT_NONE;

	vm_region_lock(p->p_region);
	if (vm_region_lookup(p->p_region, va, &m, NULL) == KERN_OK)
		prot = m->m_prot;
	vm_region_unlock(p->p_region);
	return prot;
}

/* page_at - the page @vo has at @offset, or NULL (@vo NULL too). */
static struct vm_page *page_at(struct vm_object *vo, off_t offset)
{
	struct vm_page *page;

	if (!vo)
		return NULL;
	vm_object_lock(vo);
	page = vm_object_get_page(vo, offset);
	vm_object_unlock(vo);
	return page;
}

/* new_vmo - vmo_create(@name, @len, @prot) from the scratch page: the
 * handle (the case stops if there is none). */
static int64_t new_vmo(struct ktest *kt, const char *name, uint64_t len, uint64_t prot)
{
	put_str(kt, SCRATCH, name);
	return ASSERT_OK(vmo_create(SCRATCH, len, prot));
}

/* handle_with - another handle to @h's object with only @rights (as a
 * process that was given a reduced handle would hold). */
static int64_t handle_with(struct ktest *kt, struct proc *p, int64_t h, uint32_t rights)
{
	struct vm_object *vo = object_of(p, h);
	int out = 0;

	KT_ASSERT_NOT_NULL(vo);
	ASSERT_STATUS(handle_alloc(&p->p_thread.ut_handles, &vo->vo_base, rights, &out), KERN_OK);
	return out;
}

/* ---- vmo_create, handle_close (Exercise 2) ---- */

/* bug: VM_PROT_USER not added to the object's rights (every map of it is
 * then refused), the handle's rights not VMO_HANDLE_RIGHTS, the name not
 * copied, the length rounded or changed, HANDLE_SELF's slot reused. */
KTEST(vmsys, create_gives_a_handle_with_vmo_rights)
{
	struct proc *p = attach(kt, 0);
	struct vm_object *vo;
	int64_t h;

	scratch(kt, p);
	h = new_vmo(kt, "vmsys.buf", 3 * PG, R | W);
	KT_EXPECT_GT(h, HANDLE_SELF);
	vo = object_of(p, h);
	KT_ASSERT_NOT_NULL(vo);
	KT_EXPECT_STREQ(vo->vo_name, "vmsys.buf");
	KT_EXPECT_EQ(vo->vo_size, 3 * PG);
	KT_EXPECT_EQ(vo->vo_prot, R | W | U);
	KT_EXPECT_FALSE(vo->vo_flags & VMO_IN_PLACE);
	KT_EXPECT_EQ(rights_of(p, h), VMO_HANDLE_RIGHTS);
	KT_EXPECT_EQ(vo->vo_base.ob_refs, 1); /* the handle's only: the creation one was put */
	handle_table_check(&p->p_thread.ut_handles);
	vm_object_check(vo);
	detach();
}

/* bug: the creation reference kept (the object outlives its last handle),
 * handle_close's status dropped (a second close "succeeds"), a handle
 * number not range-checked. */
KTEST(vmsys, close_destroys_the_object_and_refuses_twice)
{
	struct proc *p = attach(kt, 0);
	size_t objects;
	int64_t h;

	scratch(kt, p);
	objects = vm_object_type_ptr()->ot_count;
	h = new_vmo(kt, "vmsys.once", PG, R);
	KT_EXPECT_EQ(vm_object_type_ptr()->ot_count, objects + 1);
	KT_EXPECT_EQ(handle_close_(h), 0);
	KT_EXPECT_EQ(vm_object_type_ptr()->ot_count, objects);
	KT_EXPECT_NULL(vm_object_find("vmsys.once"));
	EXPECT_ERR(handle_close_(h), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(handle_close_(HANDLE_INVALID), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(handle_close_(HANDLE_TABLE_SIZE), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(handle_close_((uint64_t)-1), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(handle_close_((uint64_t)1 << 32 | HANDLE_SELF), KERN_INVALID_ARGUMENT);
	handle_table_check(&p->p_thread.ut_handles);
	detach();
}

/* bug: VM_PROT_USER (or an unknown bit) accepted from the process; prot
 * checked after truncating it to 32 bits (enum vm_prot), so 1 << 32 | RW
 * passes; unknown bits left to vm_object_create, whose NULL then reads
 * as KERN_NO_MEMORY. */
KTEST(vmsys, create_refuses_bad_prot)
{
	static const uint64_t bad[] = { U,           R | U,       R | W | X | U,
		                        0x10,        0x80000000u, (uint64_t)1 << 32 | R | W,
		                        (uint64_t)-1 };
	struct proc *p = attach(kt, 0);
	struct vmsys_snap before;

	scratch(kt, p);
	put_str(kt, SCRATCH, "vmsys.prot");
	before = snap(p);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (!EXPECT_ERR(vmo_create(SCRATCH, PG, bad[i]), KERN_INVALID_ARGUMENT))
			printk("    (prot 0x%lx)\n", (unsigned long)bad[i]);
	EXPECT_UNCHANGED(p, before);
	detach();
}

/* bug: a length not page aligned rounded up silently (or 0 sent to
 * vm_object_create, whose NULL reads as KERN_NO_MEMORY); an object larger
 * than any address space created. */
KTEST(vmsys, create_refuses_bad_len)
{
	static const uint64_t unaligned[] = { 0, 1, 100, PG - 1, PG + 1, (uint64_t)-1 };
	static const uint64_t too_large[] = { USER_HALF_END + PG, (uint64_t)1 << 62,
		                              (uint64_t)-PG };
	struct proc *p = attach(kt, 0);
	struct vmsys_snap before;

	scratch(kt, p);
	put_str(kt, SCRATCH, "vmsys.len");
	before = snap(p);
	for (size_t i = 0; i < ARRAY_SIZE(unaligned); i++)
		if (!EXPECT_ERR(vmo_create(SCRATCH, unaligned[i], R | W), KERN_INVALID_ARGUMENT))
			printk("    (len 0x%lx)\n", (unsigned long)unaligned[i]);
	for (size_t i = 0; i < ARRAY_SIZE(too_large); i++)
		if (!EXPECT_ERR(vmo_create(SCRATCH, too_large[i], R | W), KERN_OUT_OF_RANGE))
			printk("    (len 0x%lx)\n", (unsigned long)too_large[i]);
	EXPECT_UNCHANGED(p, before);
	detach();
}

/* bug: the name used where it is (a kernel pointer smuggled in names the
 * object after kernel memory; an unmapped one panics the kernel) instead
 * of copyinstr; a fixed-size copyin cut to VM_OBJECT_NAME_MAX - 1 bytes
 * (a name with no NUL in 64 bytes is accepted, one that ends just before
 * an unmapped page faults). */
KTEST(vmsys, create_refuses_bad_names)
{
	static const char kernel_name[] = "kernel";
	char longest[VM_OBJECT_NAME_MAX], too_long[VM_OBJECT_NAME_MAX + 1];
	struct proc *p = attach(kt, 0);
	uintptr_t page_end = SCRATCH + PG;
	struct vmsys_snap before;
	int64_t h;

	scratch(kt, p);
	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'n', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	put_str(kt, SCRATCH + 2 * VM_OBJECT_NAME_MAX, too_long);
	put_str(kt, page_end - 4, "end");                        /* "end\0" ends the page: fine */
	ASSERT_STATUS(copyout(page_end - 3, "run", 3), KERN_OK); /* no NUL before the hole */
	before = snap(p);
	EXPECT_ERR(vmo_create(0, PG, R), KERN_MEMORY_FAULT);
	EXPECT_ERR(vmo_create(FREE_VA, PG, R), KERN_MEMORY_FAULT);
	EXPECT_ERR(vmo_create((uintptr_t)kernel_name, PG, R), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_create(KERNEL_VA, PG, R), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_create(USER_HALF_END, PG, R), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_create(SCRATCH + 2 * VM_OBJECT_NAME_MAX, PG, R), KERN_OUT_OF_RANGE);
	EXPECT_ERR(vmo_create(page_end - 3, PG, R), KERN_MEMORY_FAULT);
	EXPECT_UNCHANGED(p, before);

	/* the boundaries are accepted: 63 bytes and a NUL; a name that ends
	 * exactly at the end of its page */
	put_str(kt, SCRATCH, longest);
	h = ASSERT_OK(vmo_create(SCRATCH, PG, R));
	KT_ASSERT_NOT_NULL(object_of(p, h));
	KT_EXPECT_STREQ(object_of(p, h)->vo_name, longest);
	put_str(kt, page_end - 4, "end");
	h = ASSERT_OK(vmo_create(page_end - 4, PG, R));
	KT_ASSERT_NOT_NULL(object_of(p, h));
	KT_EXPECT_STREQ(object_of(p, h)->vo_name, "end");
	detach();
}

/* bug: the new object not put when handle_alloc fails (the table is
 * full): each refused call leaks an object. */
KTEST(vmsys, full_handle_table_leaks_no_object)
{
	struct proc *p = attach(kt, 0);
	struct vmsys_snap before;
	size_t objects;
	int64_t h = 0;

	scratch(kt, p);
	put_str(kt, SCRATCH, "vmsys.many");
	objects = vm_object_type_ptr()->ot_count;
	while (p->p_thread.ut_handles.ht_used < HANDLE_TABLE_SIZE - 1)
		h = ASSERT_OK(vmo_create(SCRATCH, PG, R));
	KT_EXPECT_EQ(h, HANDLE_TABLE_SIZE - 1);
	KT_EXPECT_EQ(vm_object_type_ptr()->ot_count, objects + HANDLE_TABLE_SIZE - 2);
	before = snap(p);
	EXPECT_ERR(vmo_create(SCRATCH, PG, R), KERN_NO_MEMORY);
	EXPECT_ERR(vmo_create(SCRATCH, PG, R), KERN_NO_MEMORY);
	EXPECT_UNCHANGED(p, before);
	for (h = HANDLE_SELF + 1; h < HANDLE_TABLE_SIZE; h++)
		KT_EXPECT_EQ(handle_close_(h), 0);
	KT_EXPECT_EQ(vm_object_type_ptr()->ot_count, objects);
	detach();
}

/* ---- vmo_get_info (Exercise 3) ---- */

/* bug: resident counted in pages of any size (a 2 MiB page as 1, not
 * 512); prot reported with VM_PROT_USER; the handle's rights, the size or
 * the flags wrong; bytes of the kernel stack left in the reply. */
KTEST(vmsys, get_info_reports_the_object)
{
	struct proc *p = attach(kt, 0);
	uintptr_t uinfo = SCRATCH + PG / 2;
	struct vmo_info info;
	struct vm_object *vo;
	int64_t h;

	scratch(kt, p);
	h = new_vmo(kt, "vmsys.info", 2 * TWO_M, R | X);
	vo = object_of(p, h);
	KT_ASSERT_NOT_NULL(vo);
	KT_ASSERT_NOT_NULL(vm_object_alloc_page(vo, 0, VM_PAGE_4K));
	KT_ASSERT_NOT_NULL(vm_object_alloc_page(vo, (off_t)TWO_M, VM_PAGE_2M));
	KT_EXPECT_EQ(vmo_get_info(h, uinfo), 0);
	ASSERT_STATUS(copyin(&info, uinfo, sizeof(info)), KERN_OK);
	KT_EXPECT_STREQ(info.name, "vmsys.info");
	for (size_t i = strlen("vmsys.info"); i < sizeof(info.name); i++)
		if (info.name[i]) {
			KT_FAIL("info.name[%zu] = 0x%x after the NUL: expected 0", i,
			        (unsigned)(uint8_t)info.name[i]);
			break;
		}
	KT_EXPECT_EQ(info.size, 2 * TWO_M);
	KT_EXPECT_EQ(info.resident, 1 + (TWO_M / PG));
	KT_EXPECT_EQ(info.phys, 0);
	KT_EXPECT_EQ(info.prot, R | X);
	KT_EXPECT_EQ(info.flags, 0);
	KT_EXPECT_EQ(info.rights, VMO_HANDLE_RIGHTS);
	KT_EXPECT_EQ(info.reserved, 0);

	/* a handle with fewer rights reports its own */
	h = handle_with(kt, p, h, HANDLE_RIGHT_READ);
	KT_EXPECT_EQ(vmo_get_info(h, uinfo), 0);
	ASSERT_STATUS(copyin(&info, uinfo, sizeof(info)), KERN_OK);
	KT_EXPECT_EQ(info.rights, HANDLE_RIGHT_READ);
	detach();
}

/* bug: the handle's type not checked (HANDLE_SELF, an address space, read
 * as a vm_object), HANDLE_RIGHT_READ not asked for; the reply written
 * with memcpy instead of copyout (a kernel pointer gets written, a
 * read-only page too). */
KTEST(vmsys, get_info_refuses_bad_handles_and_pointers)
{
	static uint8_t kernel_buf[sizeof(struct vmo_info)];
	struct proc *p = attach(kt, 0);
	uintptr_t uinfo = SCRATCH + PG / 2, ro = FREE_VA;
	struct vmsys_snap before;
	struct vm_object *rovo;
	int64_t h, maponly;

	scratch(kt, p);
	h = new_vmo(kt, "vmsys.gi", PG, R | W);
	maponly = handle_with(kt, p, h, HANDLE_RIGHT_MAP);
	rovo = vm_object_create("vmsys.ro", PG, R | U);
	KT_ASSERT_NOT_NULL(rovo);
	ASSERT_STATUS(vm_region_map(p->p_region, rovo, 0, PG, R | U, &ro), KERN_OK);
	vm_object_put(rovo);
	memset(kernel_buf, 0x5a, sizeof(kernel_buf));
	before = snap(p);

	EXPECT_ERR(vmo_get_info(HANDLE_INVALID, uinfo), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_get_info(HANDLE_SELF, uinfo), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_get_info(HANDLE_TABLE_SIZE - 1, uinfo), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_get_info((uint64_t)-1, uinfo), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_get_info(maponly, uinfo), KERN_ACCESS_DENIED);
	EXPECT_ERR(vmo_get_info(h, (uintptr_t)kernel_buf), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_get_info(h, USER_HALF_END - sizeof(struct vmo_info) / 2),
	           KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_get_info(h, 0), KERN_MEMORY_FAULT);
	EXPECT_ERR(vmo_get_info(h, FREE_VA + PG), KERN_MEMORY_FAULT);
	EXPECT_ERR(vmo_get_info(h, ro), KERN_MEMORY_FAULT);
	for (size_t i = 0; i < sizeof(kernel_buf); i++)
		if (kernel_buf[i] != 0x5a) {
			KT_FAIL("vmo_get_info wrote kernel memory it was pointed at (byte %zu)", i);
			break;
		}
	EXPECT_UNCHANGED(p, before);
	detach();
}

/* ---- vmr_map (Exercise 4) ---- */

/* bug: VM_PROT_USER not added to the mapping (the process's own accesses
 * then fault), the fixed address or the offset ignored, the mapping's
 * address not returned, the handle's reference on the object not put
 * (the object outlives its handle and its mapping). */
KTEST(vmsys, map_touch_unmap_close_frees_everything)
{
	struct proc *p = attach(kt, 0);
	struct vmsys_snap before;
	struct vm_object *vo;
	uint64_t v = 0;
	int64_t h, at, any;

	scratch(kt, p);
	before = snap(p);
	h = new_vmo(kt, "vmsys.map", 4 * PG, R | W);
	vo = object_of(p, h);
	KT_ASSERT_NOT_NULL(vo);

	at = ASSERT_OK(vmr_map(h, PG, 2 * PG, R | W, FREE_VA));
	KT_EXPECT_EQ(at, FREE_VA);
	KT_EXPECT_EQ(mapping_prot(p, FREE_VA), R | W | U);
	any = ASSERT_OK(vmr_map(h, 0, 4 * PG, R, VMR_MAP_ANYWHERE));
	KT_EXPECT_TRUE(any >= (int64_t)PROC_LOW && any < (int64_t)PROC_STACK_TOP);
	KT_EXPECT_EQ(any % PG, 0);
	KT_EXPECT_EQ(mapping_prot(p, (uintptr_t)any), R | U);

	/* a write through the fixed mapping shows at object offset PG, which
	 * the read-only mapping shows at any + PG */
	ASSERT_STATUS(probe_write64(FREE_VA, 0x6d616e676f), KERN_OK);
	ASSERT_STATUS(probe_read64((uintptr_t)any + PG, &v), KERN_OK);
	KT_EXPECT_EQ(v, 0x6d616e676f);
	EXPECT_STATUS(probe_write64((uintptr_t)any + PG, 1), KERN_MEMORY_FAULT);
	KT_EXPECT_NOT_NULL(page_at(vo, (off_t)PG));
	vm_region_check(p->p_region);
	vm_object_check(vo);

	KT_EXPECT_EQ(vmr_unmap(FREE_VA, 2 * PG), 0);
	KT_EXPECT_EQ(vmr_unmap((uintptr_t)any, 4 * PG), 0);
	KT_EXPECT_EQ(handle_close_(h), 0);
	EXPECT_UNCHANGED(p, before);
	detach();
}

/* bug: VM_PROT_USER or unknown bits accepted (or prot truncated to 32
 * bits before the check); a mapping with more rights than the object has
 * let through. */
KTEST(vmsys, map_refuses_bad_prot)
{
	static const uint64_t bad[] = { R | U,        R | W | U, 0x10 | R, (uint64_t)1 << 32 | R,
		                        (uint64_t)-1, W,         X,        0 };
	struct proc *p = attach(kt, 0);
	struct vmsys_snap before;
	int64_t h;

	scratch(kt, p);
	h = new_vmo(kt, "vmsys.mp", PG, R | W);
	before = snap(p);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (!EXPECT_ERR(vmr_map(h, 0, PG, bad[i], FREE_VA), KERN_INVALID_ARGUMENT))
			printk("    (prot 0x%lx)\n", (unsigned long)bad[i]);
	EXPECT_ERR(vmr_map(h, 0, PG, R | X, FREE_VA), KERN_ACCESS_DENIED);
	EXPECT_ERR(vmr_map(h, 0, PG, R | W | X, VMR_MAP_ANYWHERE), KERN_ACCESS_DENIED);
	EXPECT_UNCHANGED(p, before);
	detach();
}

/* bug: offset + len or addr + len not checked for wrapping (the sum
 * wraps to a small number and the call reads as "out of range" or, with
 * a weaker vm_region_map, succeeds); alignment left unchecked; a fixed
 * address outside the address space or over the program let through. */
KTEST(vmsys, map_refuses_bad_ranges)
{
	struct proc *p = attach(kt, 0);
	struct vmsys_snap before;
	int64_t h;

	scratch(kt, p);
	h = new_vmo(kt, "vmsys.mr", 4 * PG, R | W);
	before = snap(p);
	/* not aligned, empty, wrapping: KERN_INVALID_ARGUMENT */
	EXPECT_ERR(vmr_map(h, 1, PG, R, FREE_VA), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map(h, 0, PG + 1, R, FREE_VA), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map(h, 0, 0, R, FREE_VA), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map(h, 0, PG, R, FREE_VA + 8), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map(h, (uint64_t)-PG, 2 * PG, R, FREE_VA), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map(h, (uint64_t)-PG, 2 * PG, R, VMR_MAP_ANYWHERE), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map(h, 0, 2 * PG, R, (uint64_t)-PG), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map(h, 0, (uint64_t)-PG, R, 2 * PG), KERN_INVALID_ARGUMENT);
	/* past the object, outside the address space: KERN_OUT_OF_RANGE */
	EXPECT_ERR(vmr_map(h, 0, 8 * PG, R, FREE_VA), KERN_OUT_OF_RANGE);
	EXPECT_ERR(vmr_map(h, 4 * PG, PG, R, FREE_VA), KERN_OUT_OF_RANGE);
	EXPECT_ERR(vmr_map(h, (uint64_t)1 << 63, PG, R, FREE_VA), KERN_OUT_OF_RANGE);
	EXPECT_ERR(vmr_map(h, 0, PG, R, 0), KERN_OUT_OF_RANGE);
	EXPECT_ERR(vmr_map(h, 0, PG, R, KERNEL_VA), KERN_OUT_OF_RANGE);
	EXPECT_ERR(vmr_map(h, 0, PG, R, USER_HALF_END - PG), KERN_OUT_OF_RANGE);
	/* over the program's own text: KERN_EXISTS */
	EXPECT_ERR(vmr_map(h, 0, PG, R, PROG_TEXT), KERN_EXISTS);
	EXPECT_UNCHANGED(p, before);
	detach();
}

/* bug: the handle's type not checked (HANDLE_SELF's address space used as
 * a vm_object), HANDLE_RIGHT_MAP not asked for (a read-only handle maps),
 * a closed handle still usable. */
KTEST(vmsys, map_checks_handle_type_and_right)
{
	struct proc *p = attach(kt, 0);
	struct vmsys_snap before;
	int64_t h, readonly, closed;

	scratch(kt, p);
	h = new_vmo(kt, "vmsys.mh", PG, R | W);
	readonly = handle_with(kt, p, h, HANDLE_RIGHT_READ | HANDLE_RIGHT_WRITE);
	closed = new_vmo(kt, "vmsys.closed", PG, R | W);
	KT_ASSERT_EQ(handle_close_(closed), 0);
	before = snap(p);
	EXPECT_ERR(vmr_map(HANDLE_SELF, 0, PG, R, FREE_VA), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map(HANDLE_INVALID, 0, PG, R, FREE_VA), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map(closed, 0, PG, R, FREE_VA), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map((uint64_t)1 << 32 | (uint64_t)h, 0, PG, R, FREE_VA),
	           KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_map(readonly, 0, PG, R, FREE_VA), KERN_ACCESS_DENIED);
	EXPECT_UNCHANGED(p, before);
	KT_EXPECT_EQ(vmr_map(h, 0, PG, R, FREE_VA), (int64_t)FREE_VA);
	detach();
}

/* ---- vmr_unmap, vmr_protect (Exercise 5) ---- */

/* bug: addr + len not checked for wrapping, alignment or 0 left
 * unchecked; a range outside the address space (the kernel half) let
 * through. */
KTEST(vmsys, unmap_and_protect_check_their_ranges)
{
	struct proc *p = attach(kt, 0);
	struct vmsys_snap before;
	int64_t h;

	scratch(kt, p);
	h = new_vmo(kt, "vmsys.up", 4 * PG, R | W);
	KT_ASSERT_EQ(vmr_map(h, 0, 4 * PG, R | W, FREE_VA), (int64_t)FREE_VA);
	before = snap(p);
	EXPECT_ERR(vmr_unmap(FREE_VA + 1, PG), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_unmap(FREE_VA, PG - 1), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_unmap(FREE_VA, 0), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_unmap(FREE_VA, (uint64_t)-PG), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_unmap((uint64_t)-PG, 2 * PG), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_unmap(KERNEL_VA, PG), KERN_OUT_OF_RANGE);
	EXPECT_ERR(vmr_unmap(0, PG), KERN_OUT_OF_RANGE);
	EXPECT_ERR(vmr_protect(FREE_VA + 1, PG, R), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_protect(FREE_VA, 0, R), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_protect(FREE_VA, (uint64_t)-PG, R), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_protect((uint64_t)-PG, 2 * PG, R), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmr_protect(KERNEL_VA, PG, R), KERN_OUT_OF_RANGE);
	EXPECT_ERR(vmr_protect(FREE_VA + 4 * PG, PG, R), KERN_NOT_FOUND);
	EXPECT_UNCHANGED(p, before);
	KT_EXPECT_EQ(mapping_prot(p, FREE_VA), R | W | U);

	/* a hole in the middle: two mappings left, then none */
	KT_EXPECT_EQ(vmr_unmap(FREE_VA + PG, 2 * PG), 0);
	KT_EXPECT_EQ(mappings_of(p->p_region), before.mappings + 1);
	KT_EXPECT_EQ(mapping_prot(p, FREE_VA + PG), VM_PROT_NONE);
	KT_EXPECT_EQ(vmr_unmap(FREE_VA, 4 * PG), 0);
	KT_EXPECT_EQ(mappings_of(p->p_region), before.mappings - 1);
	vm_region_check(p->p_region);
	detach();
}

/* bug: VM_PROT_USER not added by vmr_protect (the process loses its own
 * mapping), VM_PROT_USER or unknown bits (or bits above 32) accepted, a
 * prot beyond the object's let through. */
KTEST(vmsys, protect_keeps_user_and_checks_prot)
{
	static const uint64_t bad[] = {
		R | U, 0x10 | R, (uint64_t)1 << 32 | R, (uint64_t)-1, W, 0
	};
	struct proc *p = attach(kt, 0);
	struct vmsys_snap before;
	uint64_t v = 0;
	int64_t h;

	scratch(kt, p);
	h = new_vmo(kt, "vmsys.pr", 2 * PG, R | W);
	KT_ASSERT_EQ(vmr_map(h, 0, 2 * PG, R | W, FREE_VA), (int64_t)FREE_VA);
	ASSERT_STATUS(probe_write64(FREE_VA, 42), KERN_OK);
	before = snap(p);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (!EXPECT_ERR(vmr_protect(FREE_VA, 2 * PG, bad[i]), KERN_INVALID_ARGUMENT))
			printk("    (prot 0x%lx)\n", (unsigned long)bad[i]);
	EXPECT_ERR(vmr_protect(FREE_VA, 2 * PG, R | X), KERN_ACCESS_DENIED);
	EXPECT_UNCHANGED(p, before);
	KT_EXPECT_EQ(mapping_prot(p, FREE_VA), R | W | U);

	KT_EXPECT_EQ(vmr_protect(FREE_VA, PG, R), 0);
	KT_EXPECT_EQ(mapping_prot(p, FREE_VA), R | U);
	KT_EXPECT_EQ(mapping_prot(p, FREE_VA + PG), R | W | U);
	EXPECT_STATUS(probe_write64(FREE_VA, 1), KERN_MEMORY_FAULT);
	EXPECT_STATUS(probe_read64(FREE_VA, &v), KERN_OK);
	KT_EXPECT_EQ(v, 42);
	KT_ASSERT_NOT_NULL(page_at(object_of(p, h), 0));
	EXPECT_LEAF(p->p_region, FREE_VA, vm_page_to_phys(page_at(object_of(p, h), 0)), 0, R | U);
	vm_region_check(p->p_region);
	detach();
}

/* ---- vmo_create_in_place (Exercise 6) ---- */

/* bug: the privilege not checked (any process makes an object over any
 * physical memory, the kernel's included), or checked on the wrong handle
 * type (a vm_object handle taken for the address space). */
KTEST(vmsys, in_place_needs_the_privilege)
{
	struct proc *p = attach(kt, 0);
	struct vmsys_snap before;
	int64_t h;

	scratch(kt, p);
	h = new_vmo(kt, "vmsys.ip", PG, R | W);
	KT_EXPECT_EQ(rights_of(p, HANDLE_SELF), 0);
	before = snap(p);
	EXPECT_ERR(vmo_create_in_place(HANDLE_SELF, SCRATCH, 0x100000, PG, R | W),
	           KERN_ACCESS_DENIED);
	EXPECT_ERR(vmo_create_in_place(h, SCRATCH, 0x100000, PG, R | W), KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_create_in_place(HANDLE_INVALID, SCRATCH, 0x100000, PG, R | W),
	           KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_create_in_place(HANDLE_TABLE_SIZE, SCRATCH, 0x100000, PG, R | W),
	           KERN_INVALID_ARGUMENT);
	EXPECT_UNCHANGED(p, before);
	detach();
}

/* bug: phys not checked for alignment or for phys + len wrapping (the
 * constructor's NULL then reads as KERN_NO_MEMORY), VM_PROT_USER not added,
 * the in-place flag or the frame not reported by vmo_get_info, the frames
 * freed when the object goes (they were never the object's). */
KTEST(vmsys, in_place_in_a_privileged_process)
{
	struct proc *p = attach(kt, PROC_PRIVILEGED);
	struct vm_page *frame = vm_page_alloc(VM_PAGE_4K, 0);
	uintptr_t uinfo = SCRATCH + PG / 2;
	struct vmsys_snap before;
	struct vmo_info info;
	phys_addr_t pa;
	int64_t h;

	KT_ASSERT_NOT_NULL(frame);
	hold((void **)held_frames, frame);
	pa = vm_page_to_phys(frame);
	scratch(kt, p);
	KT_EXPECT_EQ(rights_of(p, HANDLE_SELF), HANDLE_RIGHT_IN_PLACE);
	put_str(kt, SCRATCH, "vmsys.frame");
	before = snap(p);
	EXPECT_ERR(vmo_create_in_place(HANDLE_SELF, SCRATCH, pa + 8, PG, R | W),
	           KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_create_in_place(HANDLE_SELF, SCRATCH, (uint64_t)-PG, 2 * PG, R | W),
	           KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_create_in_place(HANDLE_SELF, SCRATCH, pa, PG + 1, R | W),
	           KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_create_in_place(HANDLE_SELF, SCRATCH, pa, PG, R | W | U),
	           KERN_INVALID_ARGUMENT);
	EXPECT_ERR(vmo_create_in_place(HANDLE_SELF, KERNEL_VA, pa, PG, R | W),
	           KERN_INVALID_ARGUMENT);
	EXPECT_UNCHANGED(p, before);

	h = ASSERT_OK(vmo_create_in_place(HANDLE_SELF, SCRATCH, pa, PG, R | W));
	KT_ASSERT_NOT_NULL(object_of(p, h));
	KT_EXPECT_EQ(object_of(p, h)->vo_prot, R | W | U);
	KT_EXPECT_EQ(rights_of(p, h), VMO_HANDLE_RIGHTS);
	KT_EXPECT_EQ(vmo_get_info(h, uinfo), 0);
	ASSERT_STATUS(copyin(&info, uinfo, sizeof(info)), KERN_OK);
	KT_EXPECT_EQ(info.flags, VMO_INFO_IN_PLACE);
	KT_EXPECT_EQ(info.phys, pa);
	KT_EXPECT_EQ(info.size, PG);
	KT_EXPECT_EQ(info.resident, 1);
	KT_EXPECT_EQ(vmr_map(h, 0, PG, R | W, FREE_VA), (int64_t)FREE_VA);
	ASSERT_STATUS(probe_write64(FREE_VA + 16, 0xfeed), KERN_OK);
	KT_EXPECT_EQ(((uint64_t *)vm_page_to_virt(frame))[2], 0xfeed);
	KT_EXPECT_EQ(vmr_unmap(FREE_VA, PG), 0);
	KT_EXPECT_EQ(handle_close_(h), 0);
	detach();
	put_frames(frame); /* still the test's: the object never owned it */
}
