/*
 * vm_fault.c - demand faults (Lab 5; see <mango/vm_fault.h>).
 *
 * A fault is resolved under the region's lock, in four steps: find the
 * mapping holding va (vm_region_lookup: btree_floor over vr_mappings),
 * check the access against its rights, turn va into an object offset,
 * and enter the page that offset lives in with the mapping's rights:
 *   - an in-place object: its frame at vo_phys_base + offset (nothing is
 *     allocated: the memory was there before the object);
 *   - a page the object has already (another mapping, or an earlier
 *     mapping of this one, brought it in): that page, shared;
 *   - none yet: vm_object_alloc_page() gives a zeroed one. Where the
 *     mapping covers the whole 2 MiB-aligned block around va, the block's
 *     object offset is 2 MiB aligned and the object has no page in the
 *     block, that page is one 2 MiB page (VM_PAGE_2M) entered as one 2 MiB
 *     leaf; everywhere else 4 KiB.
 * A present leaf is always the largest the page and the mapping allow, as
 * vm_region_map() enters them ([R6] in vm_region.c), and every leaf is
 * backed by the object's page at its offset ([R7]): after any fault the
 * invariants of vm_region_check() and vm_object_check() hold.
 *
 * The counters (vr_faults) are the student's to keep: every call on a
 * region counts as taken, a refused one as refused, a page allocated
 * (4 KiB or 2 MiB alike) as one page.
 *
 * Lock order: the region's, then the object's (vm_object_alloc_page takes
 * the object's itself). The page-fault path calls in with interrupts off,
 * on one CPU: nothing runs between the checks and the pmap_enter.
 */
#include <mango/format.h>
#include <mango/vm_arch.h>
#include <mango/vm_fault.h>
#include <mango/vm_region.h>

/* The large leaf: a pmap order and its size (VM_PAGE_2M: 2^9 base pages). */
#define LARGE_ORDER ((unsigned)VM_PAGE_2M)
#define LARGE_SIZE ((uintptr_t)PAGE_SIZE << LARGE_ORDER)

/* The accesses vm_fault() takes: one right, and VM_PROT_USER or not.
 * (__used: only the student's vm_fault calls it, and the stub does not.) */
static __used bool access_ok(enum vm_prot access)
{
	enum vm_prot right = access & ~VM_PROT_USER;

	return right == VM_PROT_READ || right == VM_PROT_WRITE || right == VM_PROT_EXEC;
}

const char *vm_fault_access_name(enum vm_prot access)
{
	switch (access & ~VM_PROT_USER) {
	case VM_PROT_READ:
		return "read";
	case VM_PROT_WRITE:
		return "write";
	case VM_PROT_EXEC:
		return "instruction fetch";
	default:
		return "?";
	}
}

/* What the mapping @m lacks for @access, in words: "read-only", "NX",
 * "kernel-only" (several: the first that applies). */
static const char *missing_right(const struct vm_region_mapping *m, enum vm_prot access)
{
	if ((access & VM_PROT_USER) && !(m->m_prot & VM_PROT_USER))
		return "kernel-only";
	if ((access & VM_PROT_WRITE) && !(m->m_prot & VM_PROT_WRITE))
		return "read-only";
	if ((access & VM_PROT_EXEC) && !(m->m_prot & VM_PROT_EXEC))
		return "NX";
	return "permitted";
}

char *vm_fault_describe(struct vm_region *region, uintptr_t va, enum vm_prot access,
			kern_status_t status, char *buf, size_t len)
{
	const char *user = (access & VM_PROT_USER) ? "user " : "";
	const char *what = vm_fault_access_name(access);
	struct vm_region_mapping *m;

	if (!buf || !len)
		return buf;
	if (!region) {
		snprintf(buf, len, "no address space is active (%s%s at 0x%lx)", user, what,
			 (unsigned long)va);
		return buf;
	}
	VM_REGION_ASSERT_UNLOCKED(region);
	vm_region_lock(region);
	if (vm_region_lookup(region, va, &m, NULL) != KERN_OK) {
		snprintf(buf, len, "no mapping at 0x%lx in region '%s'", (unsigned long)va,
			 region->vr_name);
	} else if (status == KERN_ACCESS_DENIED) {
		snprintf(buf, len, "%s%s %s %s mapping of '%s' [0x%lx-0x%lx) at 0x%lx", user, what,
			 (access & VM_PROT_WRITE) ? "to" : "from", missing_right(m, access),
			 m->m_object->vo_name, (unsigned long)m->m_base,
			 (unsigned long)(m->m_base + m->m_len), (unsigned long)va);
	} else if (status == KERN_UNIMPLEMENTED) {
		snprintf(buf, len, "%s%s at 0x%lx: demand faults are not implemented yet "
			 "(vm_fault, Lab 5)", user, what, (unsigned long)va);
	} else {
		snprintf(buf, len, "%s%s at 0x%lx in the mapping of '%s' [0x%lx-0x%lx): %s", user,
			 what, (unsigned long)va, m->m_object->vo_name, (unsigned long)m->m_base,
			 (unsigned long)(m->m_base + m->m_len), kern_status_name(status));
	}
	vm_region_unlock(region);
	return buf;
}

/* Whether @vo has a page that holds any byte of [@lo, @hi) (in-place
 * objects: always). Lock: @vo's held. (__used: only the student's code
 * calls it.) */
static __used bool object_has_page_in(const struct vm_object *vo, off_t lo, off_t hi)
{
	struct btree_node *n;

	if (lo >= hi)
		return false;
	if (vo->vo_flags & VMO_IN_PLACE)
		return true; /* every frame of the window is the object's */
	n = btree_floor(&vo->vo_pages, &lo, vm_object_offset_cmp);
	for (n = n ? n : btree_first(&vo->vo_pages); n; n = btree_next(n)) {
		const struct vm_page *p = container_of(n, struct vm_page, p_node);
		if (p->p_vmo_offset >= hi)
			return false;
		if (p->p_vmo_offset + (off_t)vm_page_order_bytes((enum vm_page_order)p->p_order) > lo)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------------
 * The student's part of Lab 5.
 */

// LAB 5 SOLUTION BEGIN
/* A run of physically contiguous object memory: the object's bytes
 * [lo, hi) are the frames from pa_lo on. */
struct frame_run {
	off_t lo, hi;
	phys_addr_t pa_lo;
};

/* The run of page @p: the object bytes it holds and its frames. */
static struct frame_run page_run(const struct vm_page *p)
{
	return (struct frame_run){
		.lo = p->p_vmo_offset,
		.hi = p->p_vmo_offset + (off_t)vm_page_order_bytes((enum vm_page_order)p->p_order),
		.pa_lo = vm_page_to_phys(p),
	};
}

/*
 * frame_of - the run of @vo's memory that holds @offset in *@run: an
 * in-place object's whole range, or the page that holds @offset. False
 * when @vo has no page there (yet). Lock: @vo's held.
 */
static bool frame_of(const struct vm_object *vo, off_t offset, struct frame_run *run)
{
	const struct vm_page *p;

	if (vo->vo_flags & VMO_IN_PLACE) {
		*run = (struct frame_run){ 0, (off_t)vo->vo_size, vo->vo_phys_base };
		return true;
	}
	p = vm_object_get_page(vo, offset);
	if (!p)
		return false;
	*run = page_run(p);
	return true;
}

/* The object offset @m shows at @va (inside @m). */
static off_t offset_at(const struct vm_region_mapping *m, uintptr_t va)
{
	return m->m_offset + (off_t)(va - m->m_base);
}

/* Whether the 2 MiB-aligned block around @va lies inside @m and shows a
 * 2 MiB-aligned object offset, so that one large page can back it. */
static bool block_fits(const struct vm_region_mapping *m, uintptr_t va)
{
	uintptr_t block = ALIGN_DOWN(va, LARGE_SIZE);

	return block >= m->m_base && LARGE_SIZE <= m->m_base + m->m_len - block &&
	       !((uintptr_t)offset_at(m, block) & (LARGE_SIZE - 1));
}

/*
 * enter_frame - enter the page holding @va (page aligned, inside @m) from
 * @run with @m's rights: one 2 MiB leaf when the block around @va fits
 * (block_fits), its frames are 2 MiB aligned and @run covers them all,
 * else one 4 KiB leaf. KERN_OK, or pmap_enter's failure (nothing entered).
 * Lock: the region's held.
 */
static kern_status_t enter_frame(struct vm_region *region, struct vm_region_mapping *m,
				 uintptr_t va, const struct frame_run *run)
{
	uintptr_t block = ALIGN_DOWN(va, LARGE_SIZE);
	off_t block_off = offset_at(m, block);
	phys_addr_t pa = run->pa_lo + (phys_addr_t)(offset_at(m, va) - run->lo);
	unsigned order = 0;
	kern_status_t s;

	if (block_fits(m, va) && block_off >= run->lo && (off_t)LARGE_SIZE <= run->hi - block_off &&
	    !((pa - (va - block)) & (LARGE_SIZE - 1))) {
		pa -= va - block;
		va = block;
		order = LARGE_ORDER;
	}
	s = pmap_enter(region->vr_pmap, va, pa, order, m->m_prot);
	if (s != KERN_EXISTS)
		return s;
	panic("region '%s': a leaf at 0x%lx already, where nothing was mapped [R6]",
	      region->vr_name, (unsigned long)va);
}

/*
 * page_drop - take back the page @p vm_fault() just gave @vo, which no
 * leaf maps (its pmap_enter failed): out of vo_pages, freed, so a refused
 * fault leaves nothing behind. Lock: @vo's not held (it takes it).
 */
static void page_drop(struct vm_object *vo, struct vm_page *p)
{
	struct btree *pages = &vo->vo_pages;

	vm_object_lock(vo);
	btree_delete(pages, &p->p_node);
	vm_object_unlock(vo);
	vm_page_free(p);
}

/*
 * demand_page - give @vo a new zeroed page for @va of @m, 2 MiB when the
 * block fits and the object has no page in it (falling back to 4 KiB when
 * the allocator has no 2 MiB block), and enter it. KERN_OK (*@pages is
 * 1); KERN_NO_MEMORY (nothing allocated, nothing entered); what else
 * vm_object_alloc_page_status refuses with (a broken [R3]).
 * Lock: the region's held, @vo's not held.
 */
static kern_status_t demand_page(struct vm_region *region, struct vm_region_mapping *m,
				 uintptr_t va, size_t *pages)
{
	struct vm_object *vo = m->m_object;
	off_t block_off = offset_at(m, ALIGN_DOWN(va, LARGE_SIZE));
	bool large = false;
	struct frame_run run;
	struct vm_page *p;
	kern_status_t s;

	if (block_fits(m, va)) {
		vm_object_lock(vo);
		large = !object_has_page_in(vo, block_off, block_off + (off_t)LARGE_SIZE);
		vm_object_unlock(vo);
	}
	s = KERN_NO_MEMORY;
	if (large)
		s = vm_object_alloc_page_status(vo, block_off, VM_PAGE_2M, &p);
	if (s == KERN_NO_MEMORY)
		s = vm_object_alloc_page_status(vo, offset_at(m, va), VM_PAGE_4K, &p);
	if (s != KERN_OK)
		return s;
	run = page_run(p);
	s = enter_frame(region, m, va, &run);
	if (s != KERN_OK) {
		page_drop(vo, p);
		return s;
	}
	*pages = 1;
	return KERN_OK;
}

/*
 * fault_in - bring in the page holding @va (page aligned) for @m, which
 * allows @access: nothing when a leaf is there already (one that refuses
 * @access is a broken [R5]: panics), else the in-place frame or the
 * object's existing page, else a new page. KERN_OK or KERN_NO_MEMORY
 * (nothing changed); *@pages counts what was allocated.
 * Lock: the region's held.
 */
static kern_status_t fault_in(struct vm_region *region, struct vm_region_mapping *m, uintptr_t va,
			      enum vm_prot access, size_t *pages)
{
	struct vm_object *vo = m->m_object;
	struct frame_run run;
	enum vm_prot prot;
	bool have;

	if (pmap_extract(region->vr_pmap, va, NULL, NULL, &prot) == KERN_OK) {
		/* mapped already, with m_prot [R5]: a stale TLB entry, or a
		 * fault some other way round; retrying a leaf that refuses
		 * the access would fault forever */
		if (access & ~prot)
			panic("region '%s': 0x%lx is mapped with rights 0x%x, its mapping has "
			      "0x%x [R5]", region->vr_name, (unsigned long)va, (unsigned)prot,
			      (unsigned)m->m_prot);
		return KERN_OK;
	}
	vm_object_lock(vo);
	have = frame_of(vo, offset_at(m, va), &run);
	vm_object_unlock(vo);
	if (have)
		return enter_frame(region, m, va, &run);
	return demand_page(region, m, va, pages);
}
// LAB 5 STUB: /* Lab 5: helpers of your own go here, for instance "the
// LAB 5 STUB:  * frame and page that hold this offset" (vm_object_get_page,
// LAB 5 STUB:  * vo_phys_base for in-place objects), "does the 2 MiB block
// LAB 5 STUB:  * around va fit a large page", "enter one page with the
// LAB 5 STUB:  * largest leaf it allows". */
// LAB 5 SOLUTION END

kern_status_t vm_fault(struct vm_region *region, uintptr_t va, enum vm_prot access)
{
	if (region)
		VM_REGION_ASSERT_UNLOCKED(region);
	// LAB 5 SOLUTION BEGIN
	struct vm_region_mapping *m;
	size_t pages = 0;
	kern_status_t s;

	if (!region)
		return KERN_INVALID_ARGUMENT;
	vm_region_lock(region);
	region->vr_faults.taken++;
	if (!access_ok(access))
		s = KERN_INVALID_ARGUMENT;
	else if (vm_region_lookup(region, va, &m, NULL) != KERN_OK)
		s = KERN_NOT_FOUND;
	else if (access & ~m->m_prot)
		s = KERN_ACCESS_DENIED;
	else
		s = fault_in(region, m, ALIGN_DOWN(va, PAGE_SIZE), access, &pages);
	region->vr_faults.pages += pages;
	if (s != KERN_OK)
		region->vr_faults.refused++;
	vm_region_unlock(region);
	return s;
	// LAB 5 STUB: /* Lab 5, Exercises 2-5: under the region's lock count the
	// LAB 5 STUB:  * fault, find the mapping holding va (vm_region_lookup) and
	// LAB 5 STUB:  * check access against its m_prot (Exercise 2); get the page
	// LAB 5 STUB:  * of the object offset va shows - a new zeroed one from
	// LAB 5 STUB:  * vm_object_alloc_page (Exercise 3), the in-place frame or
	// LAB 5 STUB:  * the page another mapping brought in (Exercise 4), a 2 MiB
	// LAB 5 STUB:  * one where the block allows (Exercise 5) - and pmap_enter it
	// LAB 5 STUB:  * with m_prot. Count pages and refusals; on any failure
	// LAB 5 STUB:  * leave nothing behind. */
	// LAB 5 STUB: (void)va;
	// LAB 5 STUB: (void)access;
	// LAB 5 STUB: return KERN_UNIMPLEMENTED;
	// LAB 5 SOLUTION END
}
