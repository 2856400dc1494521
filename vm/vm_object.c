/*
 * vm_object.c - VM objects (Lab 3; see <mango/vm_object.h>).
 *
 * Invariants (vm_object_check() verifies them; cited as [On]):
 *   [O1] vo_pages is a valid btree (btree_check) ordered by p_vmo_offset.
 *   [O2] every page in vo_pages is an allocated block (VM_PAGE_ALLOCATED)
 *        whose p_vmo_offset is a multiple of its block size.
 *   [O3] pages do not overlap: each ends at or before the next one starts.
 *   [O4] every page ends at or before vo_size; vo_size is a multiple of
 *        4 KiB and not 0.
 *   [O5] an in-place object (VMO_IN_PLACE) owns no pages in vo_pages.
 */
#include <mango/vm_object.h>
#include <mango/vm_arch.h>
#include <mango/vm_region.h> /* vo_mappings holds struct vm_region_mapping */

static void vm_object_destroy(struct object *obj);

static struct object_type vm_object_type = {
	.ot_name = "vm_object",
	.ot_size = sizeof(struct vm_object),
	.ot_offset = offsetof(struct vm_object, vo_base),
	.ot_destroy = vm_object_destroy,
};

kern_status_t vm_object_type_init(void)
{
	return object_type_register(&vm_object_type);
}

struct object_type *vm_object_type_ptr(void)
{
	return &vm_object_type;
}

static struct vm_object *vmo_of(struct object *obj)
{
	return container_of(obj, struct vm_object, vo_base);
}

static int page_cmp(const struct btree_node *a, const struct btree_node *b)
{
	off_t x = container_of(a, struct vm_page, p_node)->p_vmo_offset;
	off_t y = container_of(b, struct vm_page, p_node)->p_vmo_offset;
	return x < y ? -1 : x > y;
}

int vm_object_offset_cmp(const void *key, const struct btree_node *node)
{
	off_t x = *(const off_t *)key, y = container_of(node, struct vm_page, p_node)->p_vmo_offset;
	return x < y ? -1 : x > y;
}

static size_t page_bytes(const struct vm_page *p)
{
	return vm_page_order_bytes((enum vm_page_order)p->p_order);
}

static bool name_matches(struct object *obj, const void *name)
{
	return !strcmp(vmo_of(obj)->vo_name, name);
}

struct vm_object *vm_object_find(const char *name)
{
	struct object *obj = name ? object_find(&vm_object_type, name_matches, name) : NULL;
	return obj ? vmo_of(obj) : NULL;
}

void vm_object_put(struct vm_object *vo)
{
	if (vo) {
		VM_OBJECT_ASSERT_UNLOCKED(vo);
		object_put(&vo->vo_base);
	}
}

/* ------------------------------------------------------------------------
 * The student's part of Lab 3.
 */

// LAB 3 SOLUTION BEGIN
/* Check the constructors' common arguments; on success *@size is the
 * rounded length. Reports why it refused. */
static kern_status_t check_args(const char *name, size_t len, enum vm_prot prot, size_t *size)
{
	if (!name) {
		pr_warn("vm_object: NULL name (KERN_INVALID_ARGUMENT)\n");
		return KERN_INVALID_ARGUMENT;
	}
	if (strnlen(name, VM_OBJECT_NAME_MAX) >= VM_OBJECT_NAME_MAX) {
		pr_warn("vm_object: name is longer than %d bytes (KERN_INVALID_ARGUMENT)\n",
			VM_OBJECT_NAME_MAX - 1);
		return KERN_INVALID_ARGUMENT;
	}
	if (len == 0 || len > SIZE_MAX - (PAGE_SIZE - 1) || len > (size_t)INT64_MAX / 2) {
		pr_warn("vm_object '%s': length %zu is zero or too large (KERN_INVALID_ARGUMENT)\n",
			name, len);
		return KERN_INVALID_ARGUMENT;
	}
	if ((unsigned)prot & ~(unsigned)VM_PROT_ALL) {
		pr_warn("vm_object '%s': unknown protection bits 0x%x (KERN_INVALID_ARGUMENT)\n",
			name, (unsigned)prot & ~(unsigned)VM_PROT_ALL);
		return KERN_INVALID_ARGUMENT;
	}
	*size = ALIGN_UP(len, (size_t)PAGE_SIZE);
	return KERN_OK;
}

static struct vm_object *new_object(const char *name, size_t size, enum vm_prot prot)
{
	struct object *obj = object_create(&vm_object_type);
	struct vm_object *vo;

	if (!obj) {
		pr_warn("vm_object '%s': out of memory (KERN_NO_MEMORY)\n", name);
		return NULL;
	}
	vo = vmo_of(obj);
	strlcpy(vo->vo_name, name, sizeof(vo->vo_name));
	vo->vo_prot = prot;
	vo->vo_size = size;
	queue_init(&vo->vo_mappings);
	btree_init(&vo->vo_pages);
	return vo;
}
// LAB 3 STUB: /* Lab 3: helpers of your own go here, for instance a key
// LAB 3 STUB:  * comparator for btree_floor() over vo_pages and the argument
// LAB 3 STUB:  * checks both constructors share. page_cmp() above orders pages. */
// LAB 3 SOLUTION END

struct vm_object *vm_object_create(const char *name, size_t len, enum vm_prot prot)
{
	// LAB 3 SOLUTION BEGIN
	size_t size;

	if (check_args(name, len, prot, &size) != KERN_OK)
		return NULL;
	return new_object(name, size, prot);
	// LAB 3 STUB: /* Lab 3, Exercise 2: check the arguments, round len up,
	// LAB 3 STUB:  * create the object with object_create(). */
	// LAB 3 STUB: (void)name;
	// LAB 3 STUB: (void)len;
	// LAB 3 STUB: (void)prot;
	// LAB 3 STUB: return NULL;
	// LAB 3 SOLUTION END
}

struct vm_object *vm_object_create_in_place(const char *name, phys_addr_t base, size_t len,
					    enum vm_prot prot)
{
	// LAB 3 SOLUTION BEGIN
	struct vm_object *vo;
	size_t size;

	if (check_args(name, len, prot, &size) != KERN_OK)
		return NULL;
	if (base & (PAGE_SIZE - 1) || base + size < base) {
		pr_warn("vm_object '%s': base 0x%lx is not page aligned, or base + length "
			"overflows (KERN_INVALID_ARGUMENT)\n", name, (unsigned long)base);
		return NULL;
	}
	vo = new_object(name, size, prot);
	if (vo) {
		vo->vo_flags = VMO_IN_PLACE;
		vo->vo_phys_base = base;
	}
	return vo;
	// LAB 3 STUB: /* Lab 3, Exercise 4: like vm_object_create, for [base,
	// LAB 3 STUB:  * base + len); mark it VMO_IN_PLACE and remember base. */
	// LAB 3 STUB: (void)name;
	// LAB 3 STUB: (void)base;
	// LAB 3 STUB: (void)len;
	// LAB 3 STUB: (void)prot;
	// LAB 3 STUB: return NULL;
	// LAB 3 SOLUTION END
}

struct vm_page *vm_object_get_page(const struct vm_object *vo, off_t offset)
{
	if (vo)
		VM_OBJECT_ASSERT_LOCKED(vo);
	// LAB 3 SOLUTION BEGIN
	struct btree_node *n;
	struct vm_page *p;

	if (!vo || offset < 0 || (size_t)offset >= vo->vo_size)
		return NULL;
	if (vo->vo_flags & VMO_IN_PLACE)
		return vm_page_from_phys(vo->vo_phys_base + ALIGN_DOWN((phys_addr_t)offset, PAGE_SIZE));
	/* the page starting at or before offset covers it if it is big enough */
	n = btree_floor(&vo->vo_pages, &offset, vm_object_offset_cmp);
	if (!n)
		return NULL;
	p = container_of(n, struct vm_page, p_node);
	return (size_t)(offset - p->p_vmo_offset) < page_bytes(p) ? p : NULL;
	// LAB 3 STUB: /* Lab 3, Exercise 3: find the page covering offset in
	// LAB 3 STUB:  * vo_pages (btree_floor); in-place objects: base + offset. */
	// LAB 3 STUB: (void)vo;
	// LAB 3 STUB: (void)offset;
	// LAB 3 STUB: return NULL;
	// LAB 3 SOLUTION END
}

kern_status_t vm_object_alloc_page_status(struct vm_object *vo, off_t offset,
					  enum vm_page_order size, struct vm_page **out)
{
	if (vo)
		VM_OBJECT_ASSERT_UNLOCKED(vo);
	// LAB 3 SOLUTION BEGIN
	struct vm_page *p, *old;
	struct btree_node *next;
	size_t bytes;

	*out = NULL;
	if (!vo || (unsigned)size > VM_PAGE_MAX_ORDER || offset < 0 || (vo->vo_flags & VMO_IN_PLACE))
		return KERN_INVALID_ARGUMENT;
	bytes = vm_page_order_bytes(size);
	if ((size_t)offset % bytes)
		return KERN_INVALID_ARGUMENT;
	if ((size_t)offset >= vo->vo_size || bytes > vo->vo_size - (size_t)offset)
		return KERN_OUT_OF_RANGE;

	vm_object_lock(vo);
	old = vm_object_get_page(vo, offset);
	if (old) {
		vm_object_unlock(vo);
		*out = old;
		/* the same page again is fine; a differently sized one overlaps */
		return old->p_vmo_offset == offset && old->p_order == size ? KERN_OK : KERN_EXISTS;
	}
	/* a smaller page further in would be covered by the new one [O3] */
	next = btree_upper_bound(&vo->vo_pages, &offset, vm_object_offset_cmp);
	if (next && (size_t)(container_of(next, struct vm_page, p_node)->p_vmo_offset - offset) < bytes) {
		vm_object_unlock(vo);
		*out = container_of(next, struct vm_page, p_node);
		return KERN_EXISTS;
	}
	vm_object_unlock(vo);

	/* allocate (and zero) without the lock: it may take a while */
	p = vm_page_alloc(size, VM_ALLOC_ZERO);
	if (!p)
		return KERN_NO_MEMORY;
	p->p_vmo_offset = offset;

	vm_object_lock(vo);
	if (btree_insert(&vo->vo_pages, &p->p_node, page_cmp) != KERN_OK) {
		/* not reachable on one CPU, where nothing ran in between */
		vm_object_unlock(vo);
		vm_page_free(p);
		return vm_object_alloc_page_status(vo, offset, size, out);
	}
	vm_object_unlock(vo);
	*out = p;
	return KERN_OK;
	// LAB 3 STUB: /* Lab 3, Exercise 5: validate, return an existing page,
	// LAB 3 STUB:  * refuse overlaps, else allocate a zeroed page and insert it
	// LAB 3 STUB:  * into vo_pages keyed by p_vmo_offset. */
	// LAB 3 STUB: (void)vo;
	// LAB 3 STUB: (void)offset;
	// LAB 3 STUB: (void)size;
	// LAB 3 STUB: *out = NULL;
	// LAB 3 STUB: return KERN_UNIMPLEMENTED;
	// LAB 3 SOLUTION END
}

struct vm_page *vm_object_alloc_page(struct vm_object *vo, off_t offset, enum vm_page_order size)
{
	struct vm_page *p;

	if (vo)
		VM_OBJECT_ASSERT_UNLOCKED(vo);
	return vm_object_alloc_page_status(vo, offset, size, &p) == KERN_OK ? p : NULL;
}

/* The last reference went: give every page back (not an in-place object's). */
static void vm_object_destroy(struct object *obj)
{
	struct vm_object *vo = vmo_of(obj);

	if (!queue_empty(&vo->vo_mappings)) {
		/* each mapping holds a reference: someone put one they did not get */
		struct vm_region_mapping *m =
			container_of(queue_first(&vo->vo_mappings), struct vm_region_mapping, m_vo_link);
		panic("'%s' lost its last reference while %zu mappings still hold one, the first "
		      "[0x%lx, 0x%lx) in region '%s' (a vm_object_put too many)", vo->vo_name,
		      queue_length(&vo->vo_mappings), (unsigned long)m->m_base,
		      (unsigned long)(m->m_base + m->m_len), m->m_region->vr_name);
	}
	// LAB 3 SOLUTION BEGIN
	while (vo->vo_pages.b_root) {
		struct vm_page *p = container_of(vo->vo_pages.b_root, struct vm_page, p_node);
		btree_delete(&vo->vo_pages, &p->p_node);
		vm_page_free(p);
	}
	// LAB 3 STUB: /* Lab 3, Exercise 6: free every page in vo_pages. */
	// LAB 3 SOLUTION END
}

/* vm_object_check() with the lock held. */
static void check_locked(const struct vm_object *vo)
{
	const struct vm_page *prev = NULL;

	if (vo->vo_size == 0 || vo->vo_size % PAGE_SIZE)
		panic("[O4] '%s' has size %zu", vo->vo_name, vo->vo_size);
	btree_check(&vo->vo_pages, page_cmp); /* [O1] */
	if ((vo->vo_flags & VMO_IN_PLACE) && btree_count(&vo->vo_pages))
		panic("[O5] in-place object '%s' owns %zu pages", vo->vo_name,
		      btree_count(&vo->vo_pages));
	btree_foreach(n, &vo->vo_pages) {
		const struct vm_page *p = container_of(n, struct vm_page, p_node);
		if (!(p->p_flags & VM_PAGE_ALLOCATED) || p->p_vmo_offset < 0 ||
		    (size_t)p->p_vmo_offset % page_bytes(p))
			panic("[O2] '%s': page at offset 0x%lx (order %u, flags 0x%x) is not an "
			      "aligned allocated block", vo->vo_name, (unsigned long)p->p_vmo_offset,
			      p->p_order, p->p_flags);
		if (prev && prev->p_vmo_offset + (off_t)page_bytes(prev) > p->p_vmo_offset)
			panic("[O3] '%s': pages at 0x%lx and 0x%lx overlap", vo->vo_name,
			      (unsigned long)prev->p_vmo_offset, (unsigned long)p->p_vmo_offset);
		if ((size_t)p->p_vmo_offset + page_bytes(p) > vo->vo_size)
			panic("[O4] '%s': page at 0x%lx reaches past the size 0x%zx", vo->vo_name,
			      (unsigned long)p->p_vmo_offset, vo->vo_size);
		prev = p;
	}
}

void vm_object_check(struct vm_object *vo)
{
	if (!vo)
		return; /* no object (a constructor failed, or is a stub): nothing to check */
	VM_OBJECT_ASSERT_UNLOCKED(vo);
	vm_object_lock(vo);
	check_locked(vo);
	vm_object_unlock(vo);
}
