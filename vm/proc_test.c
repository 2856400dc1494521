/*
 * proc_test.c - processes without running them (suite proc): what the
 * loader maps for a program and with which rights, that a refused image
 * or argument list leaves nothing behind, and copyin/copyout/copyinstr on
 * a real address space (demand pages brought in during a copy, a fault in
 * the middle of one, a read-only page). The suite's leak check proves
 * every case gave back every page. Running programs: test_user.py.
 */
#include <mango/elf.h>
#include <mango/ktest.h>
#include <mango/proc.h>
#include <mango/string.h>
#include <mango/user_image.h>
#include <mango/usercopy.h>
#include <mango/vm_object.h>
#include <mango/vm_page.h>
#include <mango/vm_region.h>

#define WHY_MAX 160
#define UBASE ((uintptr_t)0x10000000) /* the copy cases' region */
#define URW (VM_PROT_USER | VM_PROT_READ | VM_PROT_WRITE)
#define URO (VM_PROT_USER | VM_PROT_READ)

static char why[WHY_MAX];

/* load - a process of packed program @name with argv {@name, "x"}, or NULL. */
static struct proc *load(const char *name)
{
	const struct user_image *img = user_image_find(name);
	char *argv[] = { (char *)name, "x" };
	struct proc *p = NULL;

	if (!img || proc_create(name, img->ui_data, img->ui_size, 2, argv, &p, why,
				sizeof(why)) != KERN_OK)
		return NULL;
	return p;
}

/* Before the count: the first process grows kmalloc's caches. */
static void proc_warm_up(struct ktest *kt)
{
	struct proc *p = load("hello");

	if (p)
		proc_destroy(p);
}

KTEST_SUITE_LEAK_CHECK(proc, proc_warm_up, vm_page_nr_free, "free pages");

/* prot_at - the rights of the mapping holding @va in @r (VM_PROT_NONE:
 * none), and its object's name in @name (when not NULL). */
static enum vm_prot prot_at(struct vm_region *r, uintptr_t va, const char **name)
{
	struct vm_region_mapping *m;
	enum vm_prot prot = VM_PROT_NONE;

	vm_region_lock(r);
	if (vm_region_lookup(r, va, &m, NULL) == KERN_OK) {
		prot = m->m_prot;
		if (name)
			*name = m->m_object->vo_name;
	}
	vm_region_unlock(r);
	return prot;
}

KTEST(proc, load_maps_each_segment_with_its_rights)
{
	struct proc *p = load("hello");
	const struct elf64_ehdr *eh;
	const char *name = "";

	KT_ASSERT_NOT_NULL(p);
	eh = (const void *)user_image_find("hello")->ui_data;
	KT_EXPECT_EQ(p->p_thread.ut_entry, eh->e_entry);
	KT_EXPECT_EQ(prot_at(p->p_region, eh->e_entry, &name), VM_PROT_USER | VM_PROT_READ | VM_PROT_EXEC);
	KT_EXPECT_STREQ(name, "hello.text");
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *ph = elf_phdr(eh, i);

		if (elf_loadable(ph) && !(ph->p_flags & ELF_PF_X)) {
			KT_EXPECT_EQ(prot_at(p->p_region, ph->p_vaddr, NULL),
				     (ph->p_flags & ELF_PF_W) ? URW : URO);
		}
	}
	KT_EXPECT_EQ(prot_at(p->p_region, PROC_STACK_TOP - 1, &name), URW);
	KT_EXPECT_STREQ(name, "hello.stack");
	KT_EXPECT_EQ(prot_at(p->p_region, PROC_STACK_TOP - PROC_STACK_SIZE - 1, NULL), VM_PROT_NONE);
	KT_EXPECT_EQ(prot_at(p->p_region, PROC_LOW, NULL), VM_PROT_NONE); /* nothing low */
	KT_EXPECT_EQ(p->p_thread.ut_arg[0], 2);
	KT_EXPECT_TRUE(IS_ALIGNED(p->p_thread.ut_stack_top, 16));
	KT_EXPECT_LT(p->p_thread.ut_stack_top, p->p_thread.ut_arg[1]);
	vm_region_check(p->p_region);
	proc_destroy(p);
}

KTEST(proc, refusals_leave_nothing)
{
	static const char *const bad[] = { "badmagic", "truncated", "badentry", "kernelseg", "wxseg",
					   "pastfile" };
	const struct user_image *img = user_image_find("hello");
	char *argv[PROC_ARGS_MAX + 1];
	struct proc *p = NULL;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		KT_EXPECT_NULL(load(bad[i]));
		KT_EXPECT_NE(why[0], '\0'); /* a reason, always */
	}
	KT_ASSERT_NOT_NULL(img);
	for (unsigned i = 0; i <= PROC_ARGS_MAX; i++)
		argv[i] = "arg";
	KT_EXPECT_EQ(proc_create("hello", img->ui_data, img->ui_size, PROC_ARGS_MAX + 1, argv, &p,
				 why, sizeof(why)),
		     KERN_INVALID_ARGUMENT);
	KT_EXPECT_NULL(p);
}

KTEST(proc, copies_on_a_real_address_space)
{
	struct vm_object *rw = vm_object_create("ucopy-rw", PAGE_SIZE, URW);
	struct vm_object *ro = vm_object_create("ucopy-ro", PAGE_SIZE, URO);
	uintptr_t at_rw = UBASE, at_ro = UBASE + 2 * PAGE_SIZE; /* a hole between */
	struct vm_region *r = NULL;
	char buf[16];
	size_t len = 0;

	KT_ASSERT_NOT_NULL(rw);
	KT_ASSERT_NOT_NULL(ro);
	KT_ASSERT_EQ(vm_region_create("ucopy", UBASE, 4 * PAGE_SIZE, &r), KERN_OK);
	KT_EXPECT_EQ(vm_region_map(r, rw, 0, PAGE_SIZE, URW, &at_rw), KERN_OK);
	KT_EXPECT_EQ(vm_region_map(r, ro, 0, PAGE_SIZE, URO, &at_ro), KERN_OK);
	vm_object_put(rw); /* the mappings hold them */
	vm_object_put(ro);
	vm_region_activate(r);

	/* a demand page comes in during the copy */
	KT_EXPECT_EQ(copyout(UBASE, "hello", 6), KERN_OK);
	KT_EXPECT_EQ(copyin(buf, UBASE, 6), KERN_OK);
	KT_EXPECT_STREQ(buf, "hello");
	KT_EXPECT_EQ(copyinstr(buf, UBASE, sizeof(buf), &len), KERN_OK);
	KT_EXPECT_EQ(len, 5);
	KT_EXPECT_EQ(copyinstr(buf, UBASE, 3, &len), KERN_OUT_OF_RANGE);
	KT_EXPECT_STREQ(buf, "he");
	/* a range that runs into the hole faults part way */
	KT_EXPECT_EQ(copyin(buf, UBASE + PAGE_SIZE - 4, 8), KERN_MEMORY_FAULT);
	KT_EXPECT_EQ(copyout(UBASE + PAGE_SIZE - 4, "abcd", 4), KERN_OK); /* no NUL */
	KT_EXPECT_EQ(copyinstr(buf, UBASE + PAGE_SIZE - 4, sizeof(buf), NULL), KERN_MEMORY_FAULT);
	/* the kernel writes to a read-only user page: refused, not done */
	KT_EXPECT_EQ(copyout(UBASE + 2 * PAGE_SIZE, "x", 1), KERN_MEMORY_FAULT);
	KT_EXPECT_EQ(copyin(buf, UBASE + 2 * PAGE_SIZE, 1), KERN_OK);
	KT_EXPECT_EQ(buf[0], 0);

	vm_region_activate(NULL);
	vm_region_check(r);
	vm_region_put(r);
}
