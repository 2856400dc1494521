// LAB 4 FILE
/*
 * vm_test_fixture.h - what the in-kernel suites of Labs 4 and 5 share
 * (vm_region_test.c, suite vmr; vm_fault_test.c, suite fault): constants,
 * the leak check's count, the kmalloc warm-up, what a case holds and how
 * it is given back, status and leaf expectations.
 *
 * Included by one suite file each; everything is static, so each suite
 * has its own copy of what its cases hold.
 *
 * What a case holds - its regions, its own references on objects, frames
 * it took - a case gives back itself (put_region, put_object, put_frames)
 * and checks what that did; the suite's teardown gives back, with
 * release_held(), whatever a case that stopped early still held (regions
 * first: they hold object references), so a failure reads as itself and
 * not also as a leak.
 */
#ifndef VM_TEST_FIXTURE_H_
#define VM_TEST_FIXTURE_H_

#include <mango/kmalloc.h>
#include <mango/ktest.h>
#include <mango/panic.h>
#include <mango/pmap.h>
#include <mango/vm_object.h>
#include <mango/vm_page.h>
#include <mango/vm_region.h>

#define PG ((size_t)PAGE_SIZE)
#define TWO_M ((size_t)PAGE_SIZE << VM_PAGE_2M)
#define RO VM_PROT_READ
#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define BASE ((uintptr_t)0x10000000) /* 256 MiB: 2 MiB aligned, in the user half */

/*
 * warm_kmalloc - kmalloc keeps its slab pages: grow every size class to
 * WARM_OBJECTS objects before the count, so that the cases' own
 * allocations (regions, pmaps, objects, mappings, whatever size a solution
 * gives them) take no new page. Uses no lab code.
 */
#define WARM_OBJECTS 96
static inline void warm_kmalloc(void)
{
	static void *warm[WARM_OBJECTS];

	for (size_t size = KMALLOC_MIN_CLASS; size <= KMALLOC_MAX_CLASS; size *= 2) {
		for (unsigned i = 0; i < WARM_OBJECTS; i++)
			warm[i] = kmalloc(size);
		for (unsigned i = WARM_OBJECTS; i-- > 0;)
			kfree(warm[i]);
	}
}

#define HELD_MAX 8
static struct vm_region *held_regions[HELD_MAX];
static struct vm_object *held_objects[HELD_MAX];
static struct vm_page *held_frames[HELD_MAX];

/* hold - record @p in the first free one of @slots (HELD_MAX of them);
 * more is a test bug (panics). */
static inline void hold(void **slots, void *p)
{
	for (unsigned i = 0; i < HELD_MAX; i++)
		if (!slots[i]) {
			slots[i] = p;
			return;
		}
	panic("a case holds more than %d things of a kind", HELD_MAX);
}

/* unhold - forget @p, if @slots has it. */
static inline void unhold(void **slots, void *p)
{
	for (unsigned i = 0; i < HELD_MAX; i++)
		if (slots[i] == p) {
			slots[i] = NULL;
			return;
		}
}

/* Give back what the case held: a region, its own reference on an
 * object, a block of frames. */
static inline void put_region(struct vm_region *r)
{
	unhold((void **)held_regions, r);
	vm_region_put(r);
}

static inline void put_object(struct vm_object *vo)
{
	unhold((void **)held_objects, vo);
	vm_object_put(vo);
}

static inline void put_frames(struct vm_page *p)
{
	unhold((void **)held_frames, p);
	vm_page_free(p);
}

/* release_held - the teardown's part: give back all a case still holds. */
static inline void release_held(void)
{
	for (unsigned i = 0; i < HELD_MAX; i++)
		if (held_regions[i])
			put_region(held_regions[i]);
	for (unsigned i = 0; i < HELD_MAX; i++)
		if (held_objects[i])
			put_object(held_objects[i]);
	for (unsigned i = 0; i < HELD_MAX; i++)
		if (held_frames[i])
			put_frames(held_frames[i]);
}

/* status_is - whether @got is @want; otherwise a failure naming @call
 * (fatal: the case stops). Through EXPECT_STATUS / ASSERT_STATUS. */
static inline bool status_is(struct ktest *kt, kern_status_t got, kern_status_t want,
			     const char *call, const char *file, int line, bool fatal)
{
	if (got == want)
		return true;
	ktest_fail(kt, file, line, fatal, "%s: expected %s, got %s", call, kern_status_name(want),
		   kern_status_name(got));
	return false;
}

#define EXPECT_STATUS(call, want) status_is(kt, (call), (want), #call, __FILE__, __LINE__, false)
#define ASSERT_STATUS(call, want) status_is(kt, (call), (want), #call, __FILE__, __LINE__, true)

/* new_object - a demand object the case holds (the case stops if there is
 * none). */
static inline struct vm_object *new_object(struct ktest *kt, const char *name, size_t size,
					   enum vm_prot prot)
{
	struct vm_object *vo = vm_object_create(name, size, prot);

	KT_ASSERT_NOT_NULL(vo);
	hold((void **)held_objects, vo);
	return vo;
}

/* expect_leaf - whether @r's pmap maps @va to @pa with a leaf of @order
 * and rights @prot; otherwise a failure saying what it maps. Through
 * EXPECT_LEAF. */
static inline bool expect_leaf(struct ktest *kt, const char *file, int line, struct vm_region *r,
			       uintptr_t va, phys_addr_t pa, unsigned order, enum vm_prot prot)
{
	phys_addr_t got_pa = 0;
	unsigned got_order = 99;
	enum vm_prot got_prot = VM_PROT_NONE;
	kern_status_t s = pmap_extract(r->vr_pmap, va, &got_pa, &got_order, &got_prot);

	if (s == KERN_OK && got_pa == pa && got_order == order && got_prot == prot)
		return true;
	ktest_fail(kt, file, line, false, "pmap_extract(0x%lx): expected pa 0x%lx, order %u, "
		   "prot 0x%x; got %s, pa 0x%lx, order %u, prot 0x%x", (unsigned long)va,
		   (unsigned long)pa, order, (unsigned)prot, kern_status_name(s),
		   (unsigned long)got_pa, got_order, (unsigned)got_prot);
	return false;
}

#define EXPECT_LEAF(r, va, pa, order, prot) \
	expect_leaf(kt, __FILE__, __LINE__, r, va, pa, order, prot)

#endif /* VM_TEST_FIXTURE_H_ */
