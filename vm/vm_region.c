/*
 * vm_region.c - address spaces and the mappings in them (Lab 4; see
 * <mango/vm_region.h>).
 *
 * A region keeps its mappings in vr_mappings, a btree ordered by m_base.
 * Mappings never overlap, so btree_floor(va) is the only mapping that can
 * hold va, and btree_first/btree_next visit them in address order: the
 * free ranges are the gaps between neighbours. Each mapping is also on its
 * object's vo_mappings and holds a reference on the object. The pmap says
 * what the mappings say: every operation changes the leaves together with
 * the mappings, under the region lock, so the invariants hold whenever the
 * lock is free.
 *
 * Invariants (vm_region_check() verifies them; cited as [Rn]):
 *   [R1] vr_mappings is a valid btree (btree_check) ordered by m_base.
 *   [R2] mappings are page aligned, not empty, disjoint, and inside
 *        [vr_start, vr_start + vr_size).
 *   [R3] m_prot includes VM_PROT_READ, has no unknown bits and is a subset
 *        of m_object->vo_prot; m_offset is page aligned, not negative, and
 *        m_offset + m_len <= vo_size.
 *   [R4] each mapping is on its object's vo_mappings exactly once, its
 *        m_region is the region, and it holds a reference on the object
 *        (an object has at least as many references as mappings).
 *   [R5] the pmap agrees with the mappings: every leaf of the user half lies
 *        inside one mapping and has exactly m_prot, and no leaf is outside
 *        a mapping; pmap_check() passes.
 *   [R6] each leaf is the largest that fits: 2 MiB (pmap order 9) where
 *        the 2 MiB at va lie inside the mapping, va and pa are 2 MiB
 *        aligned and one object page covers them all (its order is 9 or
 *        more; a 4 MiB page is two such leaves), 4 KiB everywhere else.
 *        (Lab 4 populates eagerly: vm_region_map() enters every page the
 *        object has in the window. From Lab 5 on, a page one mapping
 *        faulted in is in another mapping's window without being mapped
 *        there until it faults too, so only present leaves are checked.)
 *   [R7] every present leaf is backed by the object's page at its offset
 *        (in-place objects: the frame at vo_phys_base + offset): no leaf
 *        without a page, and two mappings showing one object offset map
 *        the same frame - no page is allocated twice.
 *
 * Lock order: a region's lock, then an object's (<mango/vm_region.h>).
 * The pmap is not locked: the region lock serializes calls on vr_pmap.
 */
#include <mango/kmalloc.h>
#include <mango/vm_arch.h>
#include <mango/vm_region.h>

/* The large leaf: a pmap order and its size (VM_PAGE_2M: 2^9 base pages). */
#define LARGE_ORDER ((unsigned)VM_PAGE_2M)
#define LARGE_SIZE ((uintptr_t)PAGE_SIZE << LARGE_ORDER)

/* __used on the given helpers only the student's code calls (leaf_split,
 * leaf_unsplit, mapping_populate): the stubs do not call them yet, and the
 * handout's `break leaf_split` must find them all the same. */

static void vm_region_destroy(struct object *obj);

static struct object_type vm_region_type = {
	.ot_name = "vm_region",
	.ot_size = sizeof(struct vm_region),
	.ot_offset = offsetof(struct vm_region, vr_base),
	.ot_destroy = vm_region_destroy,
};

/* The region this CPU translates the user half with (vm_region_activate),
 * or NULL for the kernel pmap, whose user half is empty. */
static struct vm_region *active_region;

kern_status_t vm_region_type_init(void)
{
	return object_type_register(&vm_region_type);
}

static struct vm_region *region_of(struct object *obj)
{
	return container_of(obj, struct vm_region, vr_base);
}

/* The mapping of tree node @n, or NULL for NULL. */
static struct vm_region_mapping *mapping_of(struct btree_node *n)
{
	return n ? container_of(n, struct vm_region_mapping, m_node) : NULL;
}

static uintptr_t region_end(const struct vm_region *region)
{
	return region->vr_start + region->vr_size;
}

static uintptr_t mapping_end(const struct vm_region_mapping *m)
{
	return m->m_base + m->m_len;
}

/* The order of vr_mappings: by m_base. */
static int mapping_cmp(const struct btree_node *a, const struct btree_node *b)
{
	uintptr_t x = container_of(a, struct vm_region_mapping, m_node)->m_base;
	uintptr_t y = container_of(b, struct vm_region_mapping, m_node)->m_base;
	return x < y ? -1 : x > y;
}

/* Key comparison for btree_floor() and friends over vr_mappings: an
 * address against a mapping's m_base. */
static int addr_cmp(const void *key, const struct btree_node *n)
{
	uintptr_t x = *(const uintptr_t *)key;
	uintptr_t y = container_of(n, struct vm_region_mapping, m_node)->m_base;
	return x < y ? -1 : x > y;
}

/* Rights a mapping may have: READ, and no unknown bits [R3]. */
static bool prot_ok(enum vm_prot prot)
{
	return (prot & VM_PROT_READ) && !((unsigned)prot & ~(unsigned)VM_PROT_ALL);
}

static bool name_matches(struct object *obj, const void *name)
{
	return !strcmp(region_of(obj)->vr_name, name);
}

/*
 * object_frame - where byte @offset of @vo lives: its physical address in
 * *@pa, and in *@run how many bytes from there on are in the same
 * physically contiguous page (in-place objects: up to vo_size). False when
 * @vo has no page there (yet). Lock: @vo's held.
 */
static bool object_frame(const struct vm_object *vo, off_t offset, phys_addr_t *pa, size_t *run)
{
	const struct vm_page *p;
	size_t in;

	if (offset < 0 || (size_t)offset >= vo->vo_size)
		return false;
	if (vo->vo_flags & VMO_IN_PLACE) {
		*pa = vo->vo_phys_base + (phys_addr_t)offset;
		*run = vo->vo_size - (size_t)offset;
		return true;
	}
	p = vm_object_get_page(vo, offset);
	if (!p)
		return false;
	in = (size_t)(offset - p->p_vmo_offset);
	*pa = vm_page_to_phys(p) + in;
	*run = vm_page_order_bytes((enum vm_page_order)p->p_order) - in;
	return true;
}

/*
 * mapping_drop - take @m out of @region's tree and its object's
 * vo_mappings, drop its reference on the object (the last one destroys the
 * object) and free it. Its leaves must be gone already [R5].
 * Lock: @region's held; the object's not held.
 */
static void mapping_drop(struct vm_region *region, struct vm_region_mapping *m)
{
	struct vm_object *vo = m->m_object;

	VM_REGION_ASSERT_LOCKED(region);
	btree_delete(&region->vr_mappings, &m->m_node);
	vm_object_lock(vo);
	queue_delete(&m->m_vo_link);
	vm_object_unlock(vo);
	vm_object_put(vo);
	kfree(m);
}

/* A large leaf leaf_split() replaced by 4 KiB leaves, for leaf_unsplit(). */
struct split_leaf {
	bool done;       /* a leaf was split */
	uintptr_t va;    /* where the large leaf started */
	phys_addr_t pa;  /* its frame */
	unsigned order;  /* its pmap order */
	enum vm_prot prot;
};

/* Enter the large leaf @rec describes again; the pmap had it a moment ago
 * and gave back the table pages it needed, so on one CPU they can be had
 * again: failing is a broken invariant. Lock: the region's held. */
static void leaf_restore(struct vm_region *region, const struct split_leaf *rec)
{
	kern_status_t s = pmap_enter(region->vr_pmap, rec->va, rec->pa, rec->order, rec->prot);

	if (s != KERN_OK)
		panic("region '%s': cannot enter again the leaf at 0x%lx it "
		      "just removed (%s)", region->vr_name, (unsigned long)rec->va,
		      kern_status_name(s));
}

/*
 * leaf_split - if a large leaf covers @va without starting there, replace
 * it by 4 KiB leaves of the same frames and rights, so that a range that
 * starts or ends at @va can be removed or protected (the pmap refuses to
 * cut a leaf). *@rec records it for leaf_unsplit(). KERN_OK (also when
 * there was nothing to split); KERN_NO_MEMORY when no page table could be
 * had (nothing changed). Lock: the region's held.
 */
static __used kern_status_t leaf_split(struct vm_region *region, uintptr_t va,
					struct split_leaf *rec)
{
	struct pmap *pm = region->vr_pmap;
	size_t size, done;
	phys_addr_t pa;

	VM_REGION_ASSERT_LOCKED(region);
	rec->done = false;
	if (pmap_extract(pm, va, &pa, &rec->order, &rec->prot) != KERN_OK || rec->order == 0)
		return KERN_OK;
	size = (size_t)PAGE_SIZE << rec->order;
	if (!(va & (size - 1)))
		return KERN_OK; /* the leaf starts at va: nothing to cut */
	rec->va = ALIGN_DOWN(va, size);
	rec->pa = pa - (va - rec->va);
	if (pmap_remove(pm, rec->va, size) != KERN_OK)
		panic("region '%s': cannot remove the leaf at 0x%lx", region->vr_name,
		      (unsigned long)rec->va);
	for (done = 0; done < size; done += PAGE_SIZE) {
		kern_status_t s = pmap_enter(pm, rec->va + done, rec->pa + done, 0, rec->prot);
		if (s == KERN_OK)
			continue;
		if (s != KERN_NO_MEMORY)
			panic("region '%s': 4 KiB leaf at 0x%lx: %s", region->vr_name,
			      (unsigned long)(rec->va + done), kern_status_name(s));
		if (done)
			pmap_remove(pm, rec->va, done);
		leaf_restore(region, rec);
		return KERN_NO_MEMORY;
	}
	rec->done = true;
	return KERN_OK;
}

/* leaf_unsplit - undo what leaf_split() recorded in @rec, if anything.
 * Lock: the region's held. */
static __used void leaf_unsplit(struct vm_region *region, struct split_leaf *rec)
{
	if (!rec->done)
		return;
	pmap_remove(region->vr_pmap, rec->va, (size_t)PAGE_SIZE << rec->order);
	leaf_restore(region, rec);
	rec->done = false;
}

kern_status_t vm_region_create(const char *name, uintptr_t start, size_t size,
			       struct vm_region **out)
{
	struct object *obj;
	struct vm_region *region;

	if (!out)
		return KERN_INVALID_ARGUMENT;
	*out = NULL;
	if (!name || strnlen(name, VM_REGION_NAME_MAX) >= VM_REGION_NAME_MAX) {
		pr_warn("vm_region: the name is NULL or has %d bytes or more (KERN_INVALID_ARGUMENT)\n",
			VM_REGION_NAME_MAX);
		return KERN_INVALID_ARGUMENT;
	}
	if ((start | size) & (PAGE_SIZE - 1) || !size || start >= USER_HALF_END ||
	    size > USER_HALF_END - start) {
		pr_warn("vm_region '%s': [0x%lx, +0x%zx) is not a page-aligned, non-empty range of "
			"the user half [0, 0x%lx) (KERN_INVALID_ARGUMENT)\n", name,
			(unsigned long)start, size, (unsigned long)USER_HALF_END);
		return KERN_INVALID_ARGUMENT;
	}
	obj = object_create(&vm_region_type);
	if (!obj)
		return KERN_NO_MEMORY;
	region = region_of(obj);
	strlcpy(region->vr_name, name, sizeof(region->vr_name));
	region->vr_start = start;
	region->vr_size = size;
	btree_init(&region->vr_mappings);
	region->vr_pmap = pmap_create();
	if (!region->vr_pmap) {
		object_put(obj);
		return KERN_NO_MEMORY;
	}
	*out = region;
	return KERN_OK;
}

void vm_region_put(struct vm_region *region)
{
	if (region) {
		VM_REGION_ASSERT_UNLOCKED(region);
		object_put(&region->vr_base);
	}
}

/* The last reference went: unmap everything, then free the pmap. */
static void vm_region_destroy(struct object *obj)
{
	struct vm_region *region = region_of(obj);

	if (active_region == region)
		vm_region_activate(NULL);
	vm_region_lock(region);
	while (region->vr_mappings.b_root) {
		struct vm_region_mapping *m = mapping_of(region->vr_mappings.b_root);
		pmap_remove(region->vr_pmap, m->m_base, m->m_len);
		mapping_drop(region, m);
	}
	vm_region_unlock(region);
	if (region->vr_pmap)
		pmap_destroy(region->vr_pmap);
}

/* NULL: back to the kernel pmap, no user address space. */
void vm_region_activate(struct vm_region *region)
{
	if (region)
		VM_REGION_ASSERT_UNLOCKED(region);
	pmap_activate(region ? region->vr_pmap : pmap_kernel());
	active_region = region;
}

struct vm_region *vm_region_active(void)
{
	/* pmap_activate() called directly (a test, the monitor) leaves
	 * active_region behind: it is active only while its pmap is */
	return active_region && pmap_is_active(active_region->vr_pmap) ? active_region : NULL;
}

struct vm_region *vm_region_find(const char *name)
{
	struct object *obj = name ? object_find(&vm_region_type, name_matches, name) : NULL;
	return obj ? region_of(obj) : NULL;
}

/* ------------------------------------------------------------------------
 * The student's part of Lab 4.
 */

// LAB 4 SOLUTION BEGIN
/* The mapping holding @va, or NULL: the last one starting at or below @va,
 * if it reaches @va. Lock: the region's held. */
static struct vm_region_mapping *mapping_at(struct vm_region *region, uintptr_t va)
{
	struct vm_region_mapping *m = mapping_of(btree_floor(&region->vr_mappings, &va, addr_cmp));

	return m && va - m->m_base < m->m_len ? m : NULL;
}

/* [@base, @base + @len) as unmap and protect take it: KERN_INVALID_ARGUMENT
 * unless page aligned and not empty, KERN_OUT_OF_RANGE unless inside
 * @region. */
static kern_status_t range_check(const struct vm_region *region, uintptr_t base, size_t len)
{
	if ((base | len) & (PAGE_SIZE - 1) || !len)
		return KERN_INVALID_ARGUMENT;
	if (base < region->vr_start || base >= region_end(region) ||
	    len > region_end(region) - base)
		return KERN_OUT_OF_RANGE;
	return KERN_OK;
}

/*
 * mapping_link - make the filled-in @m part of @region: in the tree, on its
 * object's vo_mappings, holding a reference on the object [R4].
 * Lock: @region's held; the object's not held.
 */
static void mapping_link(struct vm_region *region, struct vm_region_mapping *m)
{
	struct vm_object *vo = m->m_object;

	VM_REGION_ASSERT_LOCKED(region);
	if (btree_insert(&region->vr_mappings, &m->m_node, mapping_cmp) != KERN_OK)
		panic("region '%s': two mappings at 0x%lx [R2]", region->vr_name,
		      (unsigned long)m->m_base);
	object_get(&vo->vo_base);
	vm_object_lock(vo);
	queue_push_back(&vo->vo_mappings, &m->m_vo_link);
	vm_object_unlock(vo);
}

/*
 * mapping_split - cut @m at @va (page aligned, strictly inside it): @m
 * keeps [m_base, @va), @spare (unlinked memory) becomes [@va, end) onto
 * the same object, further in, with the same rights and a reference of its
 * own. The leaves stay as they are: a large one across @va must have been
 * cut first (leaf_split). Lock: @region's held.
 */
static void mapping_split(struct vm_region *region, struct vm_region_mapping *m, uintptr_t va,
			  struct vm_region_mapping *spare)
{
	size_t head = va - m->m_base;

	*spare = (struct vm_region_mapping){
		.m_region = region,
		.m_object = m->m_object,
		.m_base = va,
		.m_len = m->m_len - head,
		.m_offset = m->m_offset + (off_t)head,
		.m_prot = m->m_prot,
	};
	m->m_len = head;
	mapping_link(region, spare);
}

/*
 * find_gap - the lowest address of @region aligned to @align with @len
 * free bytes from there, in *@out: looks at the gap before each mapping,
 * in address order, and at the one after the last. False if none fits.
 * Lock: the region's held.
 */
static bool find_gap(struct vm_region *region, size_t len, uintptr_t align, uintptr_t *out)
{
	uintptr_t free_start = region->vr_start;

	for (struct btree_node *n = btree_first(&region->vr_mappings);; n = btree_next(n)) {
		uintptr_t gap_end = n ? mapping_of(n)->m_base : region_end(region);
		uintptr_t va = ALIGN_UP(free_start, align);

		if (va >= free_start && va <= gap_end && len <= gap_end - va) {
			*out = va;
			return true;
		}
		if (!n)
			return false;
		free_start = mapping_end(mapping_of(n));
	}
}

/*
 * enter_run - enter the physically contiguous [@va, @va + @len) ->
 * [@pa, @pa + @len) with @prot, each part with the largest leaf that fits
 * [R6]. KERN_OK; KERN_NO_MEMORY, or KERN_INVALID_ARGUMENT for frames the
 * machine cannot map (an in-place object past its physical addresses):
 * what was entered stays, the caller removes it. Lock: the region's held.
 */
static kern_status_t enter_run(struct vm_region *region, uintptr_t va, phys_addr_t pa, size_t len,
			       enum vm_prot prot)
{
	while (len) {
		bool large = !((va | pa) & (LARGE_SIZE - 1)) && len >= LARGE_SIZE;
		size_t step = large ? LARGE_SIZE : PAGE_SIZE;
		kern_status_t s = pmap_enter(region->vr_pmap, va, pa, large ? LARGE_ORDER : 0, prot);

		if (s == KERN_EXISTS)
			panic("region '%s': a leaf at 0x%lx already, outside every "
			      "mapping [R5]", region->vr_name, (unsigned long)va);
		if (s != KERN_OK)
			return s;
		va += step;
		pa += step;
		len -= step;
	}
	return KERN_OK;
}
// LAB 4 STUB: /* Lab 4: helpers of your own go here, for instance
// LAB 4 STUB:  * "the mapping holding va" (btree_floor with addr_cmp above), the
// LAB 4 STUB:  * range checks unmap and protect share, finding a gap, linking
// LAB 4 STUB:  * a mapping into its region and object (a reference!), cutting
// LAB 4 STUB:  * a mapping in two, entering a run of frames with the largest
// LAB 4 STUB:  * leaves. */
// LAB 4 SOLUTION END

/*
 * mapping_populate - enter in the pmap every page @m's object already has
 * in @m's window, with @m's rights and the largest leaves that fit [R6]
 * (in-place objects: every frame of the window). KERN_OK, or
 * what enter_run gives (leaves may have been entered: the caller removes
 * them). Lock: @region's held; the object's not held (it takes it).
 */
static __used kern_status_t mapping_populate(struct vm_region *region,
					     struct vm_region_mapping *m)
{
	VM_REGION_ASSERT_LOCKED(region);
	VM_OBJECT_ASSERT_UNLOCKED(m->m_object);
	// LAB 4 SOLUTION BEGIN
	struct vm_object *vo = m->m_object;
	off_t lo = m->m_offset, hi = m->m_offset + (off_t)m->m_len;
	kern_status_t s = KERN_OK;
	struct btree_node *n;

	vm_object_lock(vo);
	if (vo->vo_flags & VMO_IN_PLACE) {
		s = enter_run(region, m->m_base, vo->vo_phys_base + (phys_addr_t)lo, m->m_len,
			      m->m_prot);
		vm_object_unlock(vo);
		return s;
	}
	/* the page covering lo, if any, starts at or below it */
	n = btree_floor(&vo->vo_pages, &lo, vm_object_offset_cmp);
	for (n = n ? n : btree_first(&vo->vo_pages); n && s == KERN_OK; n = btree_next(n)) {
		struct vm_page *p = container_of(n, struct vm_page, p_node);
		off_t from = MAX(p->p_vmo_offset, lo);
		off_t to = MIN(p->p_vmo_offset + (off_t)vm_page_order_bytes(p->p_order), hi);

		if (p->p_vmo_offset >= hi)
			break;
		if (from < to)
			s = enter_run(region, m->m_base + (uintptr_t)(from - lo),
				      vm_page_to_phys(p) + (phys_addr_t)(from - p->p_vmo_offset),
				      (size_t)(to - from), m->m_prot);
	}
	vm_object_unlock(vo);
	return s;
	// LAB 4 STUB: /* Lab 4, Exercise 4: under the object's lock, enter every
	// LAB 4 STUB:  * page the object has in m's window (vo_pages from the one
	// LAB 4 STUB:  * covering m_offset; in-place objects: every frame) with
	// LAB 4 STUB:  * pmap_enter(), a 2 MiB leaf (order 9) where va and pa are
	// LAB 4 STUB:  * 2 MiB aligned and the page and the mapping cover all of
	// LAB 4 STUB:  * it, 4 KiB leaves everywhere else. */
	// LAB 4 STUB: (void)region;
	// LAB 4 STUB: (void)m;
	// LAB 4 STUB: return KERN_UNIMPLEMENTED;
	// LAB 4 SOLUTION END
}

kern_status_t vm_region_map(struct vm_region *region, struct vm_object *vo, off_t offset,
			    size_t len, enum vm_prot prot, uintptr_t *where)
{
	if (region)
		VM_REGION_ASSERT_UNLOCKED(region);
	if (vo)
		VM_OBJECT_ASSERT_UNLOCKED(vo);
	// LAB 4 SOLUTION BEGIN
	struct vm_region_mapping *m, *prev;
	uintptr_t base, last;
	kern_status_t s;

	if (!region || !vo || !where)
		return KERN_INVALID_ARGUMENT;
	base = *where;
	if (((size_t)offset | len) & (PAGE_SIZE - 1) || !len || !prot_ok(prot) ||
	    (base != VM_REGION_ANYWHERE && base & (PAGE_SIZE - 1)))
		return KERN_INVALID_ARGUMENT;
	if (offset < 0 || len > vo->vo_size || (size_t)offset > vo->vo_size - len)
		return KERN_OUT_OF_RANGE;
	if (base != VM_REGION_ANYWHERE && (s = range_check(region, base, len)) != KERN_OK)
		return s;
	if (prot & ~vo->vo_prot)
		return KERN_ACCESS_DENIED;
	m = kmalloc(sizeof(*m));
	if (!m)
		return KERN_NO_MEMORY;

	vm_region_lock(region);
	if (base == VM_REGION_ANYWHERE) {
		/* 2 MiB aligned when large leaves could be used, else any page */
		if (!(len >= LARGE_SIZE && find_gap(region, len, LARGE_SIZE, &base)) &&
		    !find_gap(region, len, PAGE_SIZE, &base)) {
			vm_region_unlock(region);
			kfree(m);
			return KERN_NO_MEMORY;
		}
	} else {
		/* only the last mapping starting below the range's end can reach in */
		last = base + len - 1;
		prev = mapping_of(btree_floor(&region->vr_mappings, &last, addr_cmp));
		if (prev && mapping_end(prev) > base) {
			vm_region_unlock(region);
			kfree(m);
			return KERN_EXISTS;
		}
	}
	*m = (struct vm_region_mapping){
		.m_region = region,
		.m_object = vo,
		.m_base = base,
		.m_len = len,
		.m_offset = offset,
		.m_prot = prot,
	};
	mapping_link(region, m);
	s = mapping_populate(region, m);
	if (s != KERN_OK) {
		pmap_remove(region->vr_pmap, base, len);
		mapping_drop(region, m);
		vm_region_unlock(region);
		return s;
	}
	vm_region_unlock(region);
	*where = base;
	return KERN_OK;
	// LAB 4 STUB: /* Lab 4, Exercise 3: check the arguments in the order the
	// LAB 4 STUB:  * contract lists the results; under the region's lock find
	// LAB 4 STUB:  * the place (VM_REGION_ANYWHERE: the lowest gap between
	// LAB 4 STUB:  * mappings, 2 MiB aligned when len >= 2 MiB; fixed: refuse
	// LAB 4 STUB:  * an overlap, btree_floor()), link a kmalloc()ed mapping into
	// LAB 4 STUB:  * the tree and the object's vo_mappings with a reference, and
	// LAB 4 STUB:  * populate it (mapping_populate, Exercise 4). */
	// LAB 4 STUB: (void)vo;
	// LAB 4 STUB: (void)offset;
	// LAB 4 STUB: (void)len;
	// LAB 4 STUB: (void)prot;
	// LAB 4 STUB: (void)where;
	// LAB 4 STUB: return KERN_UNIMPLEMENTED;
	// LAB 4 SOLUTION END
}

kern_status_t vm_region_unmap(struct vm_region *region, uintptr_t base, size_t len)
{
	if (region)
		VM_REGION_ASSERT_UNLOCKED(region);
	// LAB 4 SOLUTION BEGIN
	struct vm_region_mapping *m, *spare = NULL;
	struct split_leaf at_base, at_end;
	uintptr_t end = base + len;
	kern_status_t s;

	if (!region)
		return KERN_INVALID_ARGUMENT;
	if ((s = range_check(region, base, len)) != KERN_OK)
		return s;
	vm_region_lock(region);
	m = mapping_at(region, base);
	if (m && m->m_base < base && mapping_end(m) > end) {
		/* a hole inside one mapping: its tail needs a mapping of its own */
		spare = kmalloc(sizeof(*spare));
		if (!spare) {
			vm_region_unlock(region);
			return KERN_NO_MEMORY;
		}
	}
	/* large leaves across either end become 4 KiB ones (what stays mapped) */
	if ((s = leaf_split(region, base, &at_base)) != KERN_OK ||
	    (s = leaf_split(region, end, &at_end)) != KERN_OK) {
		leaf_unsplit(region, &at_base);
		vm_region_unlock(region);
		kfree(spare);
		return s;
	}
	if (pmap_remove(region->vr_pmap, base, len) != KERN_OK)
		panic("region '%s': cannot remove [0x%lx, 0x%lx)", region->vr_name,
		      (unsigned long)base, (unsigned long)end);
	if (spare) {
		mapping_split(region, m, end, spare);
		m->m_len = base - m->m_base;
		vm_region_unlock(region);
		return KERN_OK;
	}
	if (!m)
		m = mapping_of(btree_lower_bound(&region->vr_mappings, &base, addr_cmp));
	while (m && m->m_base < end) {
		struct vm_region_mapping *next = mapping_of(btree_next(&m->m_node));

		if (m->m_base < base) {
			m->m_len = base - m->m_base; /* its tail goes */
		} else if (mapping_end(m) > end) {
			size_t cut = end - m->m_base; /* its head goes */
			m->m_base = end;
			m->m_offset += (off_t)cut;
			m->m_len -= cut;
		} else {
			mapping_drop(region, m);
		}
		m = next;
	}
	vm_region_unlock(region);
	return KERN_OK;
	// LAB 4 STUB: /* Lab 4, Exercise 5: check the range; under the region's
	// LAB 4 STUB:  * lock get the memory a split needs first, cut large leaves
	// LAB 4 STUB:  * across the ends (leaf_split), remove the leaves
	// LAB 4 STUB:  * (pmap_remove), then drop, trim or split every mapping the
	// LAB 4 STUB:  * range touches (mapping_drop takes one out). */
	// LAB 4 STUB: (void)base;
	// LAB 4 STUB: (void)len;
	// LAB 4 STUB: return KERN_UNIMPLEMENTED;
	// LAB 4 SOLUTION END
}

kern_status_t vm_region_protect(struct vm_region *region, uintptr_t base, size_t len,
				enum vm_prot prot)
{
	if (region)
		VM_REGION_ASSERT_UNLOCKED(region);
	// LAB 4 SOLUTION BEGIN
	struct vm_region_mapping *first, *last, *m, *spare[2] = { NULL, NULL };
	struct split_leaf at_base, at_end;
	uintptr_t end = base + len, covered = base;
	unsigned splits = 0;
	kern_status_t s;

	if (!region || !prot_ok(prot))
		return KERN_INVALID_ARGUMENT;
	if ((s = range_check(region, base, len)) != KERN_OK)
		return s;
	vm_region_lock(region);
	/* all of the range mapped, by mappings that allow prot: checked
	 * before anything changes */
	first = mapping_at(region, base);
	for (m = first; m && covered < end; m = mapping_of(btree_next(&m->m_node))) {
		if (m->m_base > covered)
			break; /* a hole */
		if (prot & ~m->m_object->vo_prot) {
			vm_region_unlock(region);
			return KERN_ACCESS_DENIED;
		}
		covered = mapping_end(m);
	}
	if (covered < end) {
		vm_region_unlock(region);
		return KERN_NOT_FOUND;
	}
	last = mapping_at(region, end - 1);
	splits = (first->m_base < base) + (mapping_end(last) > end);
	for (unsigned i = 0; i < splits; i++) {
		if (!(spare[i] = kmalloc(sizeof(*spare[i])))) {
			vm_region_unlock(region);
			kfree(spare[0]);
			return KERN_NO_MEMORY;
		}
	}
	if ((s = leaf_split(region, base, &at_base)) != KERN_OK ||
	    (s = leaf_split(region, end, &at_end)) != KERN_OK) {
		leaf_unsplit(region, &at_base);
		vm_region_unlock(region);
		kfree(spare[0]);
		kfree(spare[1]);
		return s;
	}
	/* from here on nothing can fail */
	if (first->m_base < base) {
		mapping_split(region, first, base, spare[--splits]);
		if (last == first)
			last = spare[splits];
		first = spare[splits];
	}
	if (mapping_end(last) > end)
		mapping_split(region, last, end, spare[--splits]);
	for (m = first; m && m->m_base < end; m = mapping_of(btree_next(&m->m_node)))
		m->m_prot = prot;
	if (pmap_protect(region->vr_pmap, base, len, prot) != KERN_OK)
		panic("region '%s': cannot protect [0x%lx, 0x%lx)",
		      region->vr_name, (unsigned long)base, (unsigned long)end);
	vm_region_unlock(region);
	return KERN_OK;
	// LAB 4 STUB: /* Lab 4, Exercise 6: check prot and the range; under the
	// LAB 4 STUB:  * region's lock make sure the whole range is mapped
	// LAB 4 STUB:  * (KERN_NOT_FOUND) by mappings whose objects allow prot
	// LAB 4 STUB:  * (KERN_ACCESS_DENIED) before changing anything; get the
	// LAB 4 STUB:  * memory the splits need, cut large leaves across the ends,
	// LAB 4 STUB:  * split the mappings there, set m_prot and pmap_protect(). */
	// LAB 4 STUB: (void)base;
	// LAB 4 STUB: (void)len;
	// LAB 4 STUB: (void)prot;
	// LAB 4 STUB: return KERN_UNIMPLEMENTED;
	// LAB 4 SOLUTION END
}

kern_status_t vm_region_lookup(struct vm_region *region, uintptr_t va,
			       struct vm_region_mapping **mapping, off_t *offset)
{
	if (!region)
		return KERN_INVALID_ARGUMENT;
	VM_REGION_ASSERT_LOCKED(region);
	// LAB 4 SOLUTION BEGIN
	struct vm_region_mapping *m = mapping_at(region, va);

	if (!m)
		return KERN_NOT_FOUND;
	if (mapping)
		*mapping = m;
	if (offset)
		*offset = m->m_offset + (off_t)(va - m->m_base);
	return KERN_OK;
	// LAB 4 STUB: /* Lab 4, Exercise 2: the mapping holding va
	// LAB 4 STUB:  * (btree_floor over vr_mappings, then is va inside it?) and
	// LAB 4 STUB:  * the object offset va shows. */
	// LAB 4 STUB: (void)va;
	// LAB 4 STUB: (void)mapping;
	// LAB 4 STUB: (void)offset;
	// LAB 4 STUB: return KERN_UNIMPLEMENTED;
	// LAB 4 SOLUTION END
}

/* ------------------------------------------------------------------------
 * vm_region_check() and its parts: each names the invariant it finds
 * broken, as "vm_region_check: [Rn] region '<name>': ...".
 */

#define check_failed(...) (panic)("vm_region_check", __VA_ARGS__)

/* [R5]: no leaf in [@lo, @hi), a range no mapping holds. */
static void check_no_leaf(struct vm_region *region, uintptr_t lo, uintptr_t hi)
{
	uintptr_t va;

	if (lo < hi && pmap_next_leaf(region->vr_pmap, lo, hi, &va, NULL, NULL, NULL) == KERN_OK)
		check_failed("[R5] region '%s': a leaf at 0x%lx, outside every mapping",
			     region->vr_name, (unsigned long)va);
}

/* [R5], [R6] and [R7] for the leaves of @m, walked with pmap_next_leaf (what is
 * mapped, not every page). Lock: the region's and @m's object's held. */
static void check_leaves(struct vm_region *region, struct vm_region_mapping *m)
{
	const struct vm_object *vo = m->m_object;
	uintptr_t va = m->m_base, end = mapping_end(m), leaf;
	phys_addr_t pa, want;
	enum vm_prot prot;
	unsigned order;
	size_t size, run;

	while (pmap_next_leaf(region->vr_pmap, va, end, &leaf, &pa, &order, &prot) == KERN_OK) {
		off_t offset = m->m_offset + (off_t)(leaf - m->m_base);

		size = (size_t)PAGE_SIZE << order;
		if (leaf < m->m_base || size > end - leaf)
			check_failed("[R5] region '%s': the leaf [0x%lx, +0x%zx) crosses an end of "
				     "the mapping [0x%lx, 0x%lx)", region->vr_name,
				     (unsigned long)leaf, size, (unsigned long)m->m_base,
				     (unsigned long)end);
		if (!object_frame(vo, offset, &want, &run))
			check_failed("[R7] region '%s': 0x%lx is mapped but object '%s' has no page "
				     "at offset 0x%lx", region->vr_name, (unsigned long)leaf,
				     vo->vo_name, (unsigned long)offset);
		if (pa != want || size > run)
			check_failed("[R7] region '%s': 0x%lx maps 0x%lx (order %u), object '%s' has "
				     "0x%lx (0x%zx bytes of its page) at offset 0x%lx",
				     region->vr_name, (unsigned long)leaf, (unsigned long)pa, order,
				     vo->vo_name, (unsigned long)want, run, (unsigned long)offset);
		if (prot != m->m_prot)
			check_failed("[R5] region '%s': 0x%lx has rights 0x%x, its mapping 0x%x",
				     region->vr_name, (unsigned long)leaf, (unsigned)prot,
				     (unsigned)m->m_prot);
		if (order == 0 && !(leaf & (LARGE_SIZE - 1)) && LARGE_SIZE <= end - leaf &&
		    !(pa & (LARGE_SIZE - 1)) && run >= LARGE_SIZE)
			check_failed("[R6] region '%s': a 4 KiB leaf at 0x%lx where a 2 MiB one fits "
				     "(object '%s' offset 0x%lx)", region->vr_name,
				     (unsigned long)leaf, vo->vo_name, (unsigned long)offset);
		va = leaf + size;
	}
}

/* [R3] and [R4] for @m. Lock: the region's and @m's object's held. */
static void check_mapping_object(struct vm_region *region, struct vm_region_mapping *m)
{
	struct vm_object *vo = m->m_object;
	unsigned links = 0;

	if (!prot_ok(m->m_prot) || (m->m_prot & ~vo->vo_prot))
		check_failed("[R3] region '%s': mapping at 0x%lx has rights 0x%x, object '%s' "
			     "allows 0x%x", region->vr_name, (unsigned long)m->m_base,
			     (unsigned)m->m_prot, vo->vo_name, (unsigned)vo->vo_prot);
	if (m->m_offset < 0 || (size_t)m->m_offset & (PAGE_SIZE - 1) ||
	    (size_t)m->m_offset > vo->vo_size || m->m_len > vo->vo_size - (size_t)m->m_offset)
		check_failed("[R3] region '%s': mapping at 0x%lx shows [0x%lx, +0x%zx) of object "
			     "'%s', of size 0x%zx", region->vr_name, (unsigned long)m->m_base,
			     (unsigned long)m->m_offset, m->m_len, vo->vo_name, vo->vo_size);
	queue_foreach(e, &vo->vo_mappings) {
		struct vm_region_mapping *o = container_of(e, struct vm_region_mapping, m_vo_link);
		if (o == m)
			links++;
		else if (o->m_region == region &&
			 mapping_of(btree_find(&region->vr_mappings, &o->m_base, addr_cmp)) != o)
			check_failed("[R4] region '%s': object '%s' lists a mapping at 0x%lx the "
				     "region does not have", region->vr_name, vo->vo_name,
				     (unsigned long)o->m_base);
	}
	if (links != 1 || m->m_region != region)
		check_failed("[R4] region '%s': mapping at 0x%lx is on object '%s''s list %u "
			     "times, its region is %p", region->vr_name, (unsigned long)m->m_base,
			     vo->vo_name, links, (void *)m->m_region);
	if (vo->vo_base.ob_refs < queue_length(&vo->vo_mappings))
		check_failed("[R4] region '%s': object '%s' has %lu references and %zu mappings",
			     region->vr_name, vo->vo_name, vo->vo_base.ob_refs,
			     queue_length(&vo->vo_mappings));
}

void vm_region_check(struct vm_region *region)
{
	struct vm_region_mapping *prev = NULL;

	if (!region)
		return;
	VM_REGION_ASSERT_UNLOCKED(region);
	vm_region_lock(region);
	btree_check(&region->vr_mappings, mapping_cmp); /* [R1] */
	btree_foreach(n, &region->vr_mappings) {
		struct vm_region_mapping *m = mapping_of(n);

		if ((m->m_base | m->m_len) & (PAGE_SIZE - 1) || !m->m_len ||
		    m->m_base < region->vr_start || m->m_base > region_end(region) ||
		    m->m_len > region_end(region) - m->m_base)
			check_failed("[R2] region '%s' [0x%lx, 0x%lx): mapping [0x%lx, +0x%zx) is "
				     "unaligned, empty or outside", region->vr_name,
				     (unsigned long)region->vr_start,
				     (unsigned long)region_end(region), (unsigned long)m->m_base,
				     m->m_len);
		if (prev && mapping_end(prev) > m->m_base)
			check_failed("[R2] region '%s': mappings at 0x%lx and 0x%lx overlap",
				     region->vr_name, (unsigned long)prev->m_base,
				     (unsigned long)m->m_base);
		check_no_leaf(region, prev ? mapping_end(prev) : 0, m->m_base);
		vm_object_lock(m->m_object);
		check_mapping_object(region, m);
		check_leaves(region, m);
		vm_object_unlock(m->m_object);
		prev = m;
	}
	check_no_leaf(region, prev ? mapping_end(prev) : 0, USER_HALF_END);
	pmap_check(region->vr_pmap);
	vm_region_unlock(region);
}
