// LAB 6 FILE
/*
 * usertests.c - Lab 6's system calls from ring 3 (xv6's usertests and
 * Pintos's vm tests are the models). `usertests [name...]` runs the named
 * subtests (none: all of them); each prints
 *
 *   usertests: <name> ok
 *   usertests: <name> FAILED: <what>: expected <status>, got <status>
 *
 * and the program exits with the number of subtests that failed. The
 * statuses expected are the contract's (vm/include/mango/vm_syscall.h).
 * What ends the process (a touch after unmap, a write after protect) is in
 * vmkill.c; what the grader checks from outside the guest is in vmhold.c.
 */
#include <mango/string.h>
#include <ulib.h>

#define PAGE 0x1000ul /* bytes in a page */

#define UNMAPPED 0x10000000ul            /* nothing mapped there */
#define KERNEL_HALF 0xFFFF800000000000ul /* the direct map */
#define USER_END 0x0000800000000000ul    /* USER_HALF_END */
#define FAR 0x100001000ul                /* a fixed address: 4 GiB + 4 KiB, free */
#define RW (VM_PROT_READ | VM_PROT_WRITE)

static const char *current; /* the subtest running */
static int wrong;           /* its failed checks */

/* expect - @got == @want, or a FAILED line naming @what; true when equal. */
static bool expect(const char *what, long got, long want)
{
	if (got == want)
		return true;
	printf("usertests: %s FAILED: %s: expected %ld (%s), got %ld (%s)\n", current, what, want,
	       status_name(want), got, status_name(got));
	wrong++;
	return false;
}

/* expect_ok - @got >= 0 (a handle, an address, 0), or a FAILED line. */
static bool expect_ok(const char *what, long got)
{
	if (got >= 0)
		return true;
	printf("usertests: %s FAILED: %s: expected a result >= 0, got %ld (%s)\n", current, what,
	       got, status_name(got));
	wrong++;
	return false;
}

/* word - the value subtests write at @va (a checksum of where it lives). */
static uint64_t word(uint64_t va, uint64_t salt)
{
	return (va * 0x9E3779B97F4A7C15ul) ^ salt;
}

/* map_new - a new demand object of @len bytes (rights RW) mapped RW
 * anywhere: its address, *@h its handle; 0 after a FAILED line. */
static uint64_t map_new(const char *name, size_t len, long *h)
{
	long a;

	*h = vmo_create(name, len, RW);
	if (!expect_ok("vmo_create", *h))
		return 0;
	a = vmr_map(*h, 0, len, RW, VMR_MAP_ANYWHERE);
	return expect_ok("vmr_map anywhere", a) ? (uint64_t)a : 0;
}

/* t_big - a 1 GiB object mapped whole; three pages touched: three pages. */
static void t_big(void)
{
	uint64_t off[3] = { 0, GiB / 2 + 5 * PAGE, GiB - PAGE };
	struct vmo_info info;
	long h = vmo_create("big", GiB, RW), a;

	if (!expect_ok("vmo_create(big, 1 GiB)", h))
		return;
	/* a fixed address 4 KiB past a 2 MiB boundary: no 2 MiB page fits, so
	 * each touch brings in one 4 KiB page (Lab 5's Exercise 5 aside) */
	a = vmr_map(h, 0, GiB, RW, FAR);
	if (!expect("vmr_map(big, 1 GiB, fixed 0x100001000)", a, (long)FAR))
		return;
	for (int i = 0; i < 3; i++)
		*(volatile uint64_t *)(FAR + off[i] + 8) = word(FAR + off[i], 1);
	for (int i = 0; i < 3; i++)
		expect("a touched word reads back", *(volatile uint64_t *)(FAR + off[i] + 8) ==
		       word(FAR + off[i], 1), 1);
	if (expect("vmo_get_info(big)", vmo_get_info(h, &info), 0)) {
		expect("big's resident pages after three touches", (long)info.resident, 3);
		expect("big's size", (long)info.size, (long)GiB);
	}
	expect("vmr_unmap(big)", vmr_unmap(FAR, GiB), 0);
	expect("handle_close(big)", handle_close(h), 0);
}

/* t_info - every field vmo_get_info copies out; a misaligned buffer is
 * fine (copyout copies bytes). */
static void t_info(void)
{
	static char buf[sizeof(struct vmo_info) + 8];
	struct vmo_info info, *odd = (struct vmo_info *)(buf + 3);
	long h = vmo_create("info-object", 3 * PAGE, VM_PROT_READ);

	if (!expect_ok("vmo_create(info-object, 3 pages, r)", h))
		return;
	info.reserved = 77;
	if (!expect("vmo_get_info", vmo_get_info(h, &info), 0))
		return;
	expect("name is info-object", strcmp(info.name, "info-object"), 0);
	expect("size", (long)info.size, 3 * PAGE);
	expect("resident", (long)info.resident, 0);
	expect("phys", (long)info.phys, 0);
	expect("prot", info.prot, VM_PROT_READ);
	expect("flags", info.flags, 0);
	expect("rights (VMO_HANDLE_RIGHTS: read write map duplicate)", info.rights, 0xF);
	expect("reserved", info.reserved, 0);
	expect("vmo_get_info(misaligned buffer)", vmo_get_info(h, odd), 0);
	expect("size through the misaligned buffer", (long)odd->size, 3 * PAGE);
	expect("handle_close", handle_close(h), 0);
}

/* t_share - one object, two mappings: a write through one is read
 * through the other, one page behind both. */
static void t_share(void)
{
	struct vmo_info info;
	long h, b;
	uint64_t a = map_new("shared", 4 * PAGE, &h);

	if (!a)
		return;
	b = vmr_map(h, PAGE, 3 * PAGE, RW, VMR_MAP_ANYWHERE); /* shared's [4 KiB, 16 KiB) */
	if (!expect_ok("vmr_map(shared, offset 4 KiB)", b))
		return;
	expect("the two mappings are apart", a != (uint64_t)b, 1);
	*(volatile uint64_t *)(a + 2 * PAGE + 16) = word(a, 2);
	expect("a write through one mapping, read through the other",
	       *(volatile uint64_t *)(b + PAGE + 16) == word(a, 2), 1);
	*(volatile uint64_t *)(b + 24) = word(b, 3);
	expect("and back", *(volatile uint64_t *)(a + PAGE + 24) == word(b, 3), 1);
	if (expect("vmo_get_info(shared)", vmo_get_info(h, &info), 0))
		expect("shared's resident pages (two, each behind both mappings)",
		       (long)info.resident, 2);
	expect("vmr_unmap(first)", vmr_unmap(a, 4 * PAGE), 0);
	expect("the second still reads", *(volatile uint64_t *)(b + PAGE + 16) == word(a, 2), 1);
	expect("vmr_unmap(second)", vmr_unmap(b, 3 * PAGE), 0);
	expect("handle_close", handle_close(h), 0);
}

/* t_badptr - user pointers no kernel may trust: NULL, kernel half,
 * unmapped, read-only, crossing the end of the user half. */
static void t_badptr(void)
{
	static const char ro[sizeof(struct vmo_info)] = { 1 }; /* .rodata */
	char longname[80];
	long h = vmo_create("badptr", PAGE, RW);

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	expect("vmo_create(NULL name)", vmo_create(0, PAGE, RW), -KERN_MEMORY_FAULT);
	expect("vmo_create(kernel-half name)", vmo_create((char *)KERNEL_HALF, PAGE, RW),
	       -KERN_INVALID_ARGUMENT);
	expect("vmo_create(unmapped name)", vmo_create((char *)UNMAPPED, PAGE, RW),
	       -KERN_MEMORY_FAULT);
	expect("vmo_create(79-byte name)", vmo_create(longname, PAGE, RW), -KERN_OUT_OF_RANGE);
	if (!expect_ok("vmo_create(badptr)", h))
		return;
	expect("vmo_get_info(NULL)", vmo_get_info(h, 0), -KERN_MEMORY_FAULT);
	expect("vmo_get_info(kernel half)", vmo_get_info(h, (void *)KERNEL_HALF),
	       -KERN_INVALID_ARGUMENT);
	expect("vmo_get_info(unmapped)", vmo_get_info(h, (void *)UNMAPPED), -KERN_MEMORY_FAULT);
	expect("vmo_get_info(read-only data)", vmo_get_info(h, (void *)ro), -KERN_MEMORY_FAULT);
	expect("vmo_get_info(across the end of the user half)",
	       vmo_get_info(h, (void *)(USER_END - 8)), -KERN_INVALID_ARGUMENT);
	expect("handle_close", handle_close(h), 0);
}

/* t_badlen - lengths, offsets and addresses: misaligned, empty,
 * overflowing, outside the address space. */
static void t_badlen(void)
{
	long h = vmo_create("badlen", 4 * PAGE, RW);
	uint64_t huge = (uint64_t)-PAGE; /* page aligned; any sum with it wraps */

	expect("vmo_create(len 0)", vmo_create("zero", 0, RW), -KERN_INVALID_ARGUMENT);
	expect("vmo_create(len 4097)", vmo_create("odd", PAGE + 1, RW), -KERN_INVALID_ARGUMENT);
	if (!expect_ok("vmo_create(badlen)", h))
		return;
	expect("vmr_map(offset 1)", vmr_map(h, 1, PAGE, RW, VMR_MAP_ANYWHERE),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_map(len 0)", vmr_map(h, 0, 0, RW, VMR_MAP_ANYWHERE), -KERN_INVALID_ARGUMENT);
	expect("vmr_map(len 4095)", vmr_map(h, 0, PAGE - 1, RW, VMR_MAP_ANYWHERE),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_map(offset + len wraps)", vmr_map(h, 2 * PAGE, huge, RW, VMR_MAP_ANYWHERE),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_map(past the object's end)", vmr_map(h, 2 * PAGE, 4 * PAGE, RW, VMR_MAP_ANYWHERE),
	       -KERN_OUT_OF_RANGE);
	expect("vmr_map(misaligned fixed address)", vmr_map(h, 0, PAGE, RW, FAR + 8),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_map(at NULL)", vmr_map(h, 0, PAGE, RW, 0), -KERN_OUT_OF_RANGE);
	expect("vmr_map(in the kernel half)", vmr_map(h, 0, PAGE, RW, KERNEL_HALF),
	       -KERN_OUT_OF_RANGE);
	expect("vmr_map(across the end of the user half)",
	       vmr_map(h, 0, 4 * PAGE, RW, USER_END - 2 * PAGE), -KERN_OUT_OF_RANGE);
	expect("vmr_map(fixed address + len wraps)", vmr_map(h, 0, 4 * PAGE, RW, huge),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_map(over the program's text)", vmr_map(h, 0, PAGE, RW, 0x400000),
	       -KERN_EXISTS);
	expect("vmr_unmap(misaligned)", vmr_unmap(FAR + 8, PAGE), -KERN_INVALID_ARGUMENT);
	expect("vmr_unmap(len 0)", vmr_unmap(FAR, 0), -KERN_INVALID_ARGUMENT);
	expect("vmr_unmap(len 4095)", vmr_unmap(FAR, PAGE - 1), -KERN_INVALID_ARGUMENT);
	expect("vmr_unmap(wraps)", vmr_unmap(FAR - PAGE, huge), -KERN_INVALID_ARGUMENT);
	expect("vmr_unmap(NULL)", vmr_unmap(0, PAGE), -KERN_OUT_OF_RANGE);
	expect("vmr_unmap(kernel half)", vmr_unmap(KERNEL_HALF, PAGE), -KERN_OUT_OF_RANGE);
	expect("vmr_unmap(nothing mapped there)", vmr_unmap(FAR, PAGE), 0);
	expect("vmr_protect(misaligned)", vmr_protect(FAR + 8, PAGE, VM_PROT_READ),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_protect(len 0)", vmr_protect(FAR, 0, VM_PROT_READ), -KERN_INVALID_ARGUMENT);
	expect("vmr_protect(wraps)", vmr_protect(FAR - PAGE, huge, VM_PROT_READ),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_protect(kernel half)", vmr_protect(KERNEL_HALF, PAGE, VM_PROT_READ),
	       -KERN_OUT_OF_RANGE);
	expect("vmr_protect(nothing mapped there)", vmr_protect(FAR, PAGE, VM_PROT_READ),
	       -KERN_NOT_FOUND);
	expect("handle_close", handle_close(h), 0);
}

/* t_rights - wrong handles, missing rights, prot not a subset, prot with
 * bits the user may not pass. */
static void t_rights(void)
{
	struct vmo_info info;
	long r = vmo_create("readonly", 2 * PAGE, VM_PROT_READ), a;

	expect("vmo_create(prot with VM_PROT_USER)",
	       vmo_create("user", PAGE, VM_PROT_READ | VM_PROT_USER), -KERN_INVALID_ARGUMENT);
	expect("vmo_create(prot 0x100)", vmo_create("bits", PAGE, 0x100), -KERN_INVALID_ARGUMENT);
	if (!expect_ok("vmo_create(readonly, r)", r))
		return;
	expect("vmo_get_info(handle -1)", vmo_get_info(-1, &info), -KERN_INVALID_ARGUMENT);
	expect("vmo_get_info(handle 1000)", vmo_get_info(1000, &info), -KERN_INVALID_ARGUMENT);
	expect("vmo_get_info(HANDLE_SELF: not an object)", vmo_get_info(HANDLE_SELF, &info),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_map(HANDLE_SELF)", vmr_map(HANDLE_SELF, 0, PAGE, VM_PROT_READ, VMR_MAP_ANYWHERE),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_map(handle 1000)", vmr_map(1000, 0, PAGE, VM_PROT_READ, VMR_MAP_ANYWHERE),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_map(rw of a read-only object)", vmr_map(r, 0, PAGE, RW, VMR_MAP_ANYWHERE),
	       -KERN_ACCESS_DENIED);
	expect("vmr_map(rx of a read-only object)",
	       vmr_map(r, 0, PAGE, VM_PROT_READ | VM_PROT_EXEC, VMR_MAP_ANYWHERE),
	       -KERN_ACCESS_DENIED);
	expect("vmr_map(prot with VM_PROT_USER)",
	       vmr_map(r, 0, PAGE, VM_PROT_READ | VM_PROT_USER, VMR_MAP_ANYWHERE),
	       -KERN_INVALID_ARGUMENT);
	expect("vmr_map(write without read)", vmr_map(r, 0, PAGE, VM_PROT_WRITE, VMR_MAP_ANYWHERE),
	       -KERN_INVALID_ARGUMENT);
	a = vmr_map(r, 0, 2 * PAGE, VM_PROT_READ, VMR_MAP_ANYWHERE);
	if (expect_ok("vmr_map(readonly, r)", a)) {
		expect("a read-only demand page reads zero", *(volatile uint64_t *)a == 0, 1);
		expect("vmr_protect(rw of a read-only object)", vmr_protect(a, PAGE, RW),
		       -KERN_ACCESS_DENIED);
		expect("vmr_protect(prot with VM_PROT_USER)",
		       vmr_protect(a, PAGE, VM_PROT_READ | VM_PROT_USER), -KERN_INVALID_ARGUMENT);
		expect("vmr_protect(r: as it is)", vmr_protect(a, PAGE, VM_PROT_READ), 0);
		expect("vmr_unmap", vmr_unmap(a, 2 * PAGE), 0);
	}
	expect("vmo_create_in_place(HANDLE_SELF of an unprivileged process)",
	       vmo_create_in_place(HANDLE_SELF, "win", 0x100000, PAGE, RW), -KERN_ACCESS_DENIED);
	expect("vmo_create_in_place(a vm_object handle)",
	       vmo_create_in_place(r, "win", 0x100000, PAGE, RW), -KERN_INVALID_ARGUMENT);
	expect("vmo_create_in_place(handle 1000)",
	       vmo_create_in_place(1000, "win", 0x100000, PAGE, RW), -KERN_INVALID_ARGUMENT);
	expect("handle_close", handle_close(r), 0);
}

/* t_close - a handle closed twice; a closed handle names nothing; a
 * mapping outlives the handle it was made through. */
static void t_close(void)
{
	struct vmo_info info;
	long h, again;
	uint64_t a = map_new("closing", 2 * PAGE, &h);

	if (!a)
		return;
	*(volatile uint64_t *)(a + 8) = word(a, 4);
	expect("handle_close", handle_close(h), 0);
	expect("handle_close again", handle_close(h), -KERN_INVALID_ARGUMENT);
	expect("vmo_get_info(closed)", vmo_get_info(h, &info), -KERN_INVALID_ARGUMENT);
	expect("vmr_map(closed)", vmr_map(h, 0, PAGE, RW, VMR_MAP_ANYWHERE), -KERN_INVALID_ARGUMENT);
	expect("the mapping holds the object after its handle closed",
	       *(volatile uint64_t *)(a + 8) == word(a, 4), 1);
	*(volatile uint64_t *)(a + PAGE) = 5; /* a new page of it, too */
	expect("vmr_unmap", vmr_unmap(a, 2 * PAGE), 0);
	expect("handle_close(-1)", handle_close(-1), -KERN_INVALID_ARGUMENT);
	expect("handle_close(1000)", handle_close(1000), -KERN_INVALID_ARGUMENT);
	again = vmo_create("again", PAGE, RW);
	expect("a new handle takes the lowest free number", again, h);
	expect("handle_close", handle_close(again), 0);
}

/* t_unmap - unmap the middle of a mapping: the ends stay, the hole can be
 * mapped again at its fixed address. */
static void t_unmap(void)
{
	long h, b;
	uint64_t a = map_new("holes", 4 * PAGE, &h);

	if (!a)
		return;
	for (int i = 0; i < 4; i++)
		*(volatile uint64_t *)(a + i * PAGE) = word(a + i * PAGE, 6);
	expect("vmr_unmap(the middle two pages)", vmr_unmap(a + PAGE, 2 * PAGE), 0);
	expect("the first page stays", *(volatile uint64_t *)a == word(a, 6), 1);
	expect("the last page stays", *(volatile uint64_t *)(a + 3 * PAGE) ==
	       word(a + 3 * PAGE, 6), 1);
	b = vmr_map(h, PAGE, 2 * PAGE, RW, a + PAGE);
	expect("vmr_map(the hole, fixed)", b, (long)(a + PAGE));
	if (b == (long)(a + PAGE))
		expect("the object kept its pages", *(volatile uint64_t *)(a + 2 * PAGE) ==
		       word(a + 2 * PAGE, 6), 1);
	expect("vmr_unmap(all four)", vmr_unmap(a, 4 * PAGE), 0);
	expect("handle_close", handle_close(h), 0);
}

/* t_protect - read-only and back: reads go on, writes come back. */
static void t_protect(void)
{
	long h;
	uint64_t a = map_new("prot", 2 * PAGE, &h);

	if (!a)
		return;
	*(volatile uint64_t *)(a + PAGE) = word(a, 7);
	expect("vmr_protect(r)", vmr_protect(a, 2 * PAGE, VM_PROT_READ), 0);
	expect("a read-only page reads", *(volatile uint64_t *)(a + PAGE) == word(a, 7), 1);
	expect("vmr_protect(rw)", vmr_protect(a, 2 * PAGE, RW), 0);
	*(volatile uint64_t *)(a + PAGE) = word(a, 8);
	expect("writable again", *(volatile uint64_t *)(a + PAGE) == word(a, 8), 1);
	expect("vmr_unmap", vmr_unmap(a, 2 * PAGE), 0);
	expect("handle_close", handle_close(h), 0);
}

/* t_linear - Pintos's page-linear: write a large demand object linearly,
 * read it back. */
static void t_linear(void)
{
	const size_t len = 4ul << 20;
	long h;
	uint64_t a = map_new("linear", len, &h), bad = 0;

	if (!a)
		return;
	for (uint64_t i = 0; i < len; i += 8)
		*(volatile uint64_t *)(a + i) = word(i, 9);
	for (uint64_t i = 0; i < len; i += 8)
		bad += *(volatile uint64_t *)(a + i) != word(i, 9);
	expect("words that did not read back", (long)bad, 0);
	expect("vmr_unmap", vmr_unmap(a, len), 0);
	expect("handle_close", handle_close(h), 0);
}

/* t_merge - Pintos's page-merge, in one process: three objects filled
 * page by page in turn, a fourth their sum, checksums compared. */
static void t_merge(void)
{
	enum { N = 3, PAGES = 64, WORDS = PAGE / 8 };
	const char *names[N + 1] = { "merge0", "merge1", "merge2", "merged" };
	long h[N + 1];
	uint64_t a[N + 1], want = 0, got = 0;

	for (int i = 0; i <= N; i++)
		if (!(a[i] = map_new(names[i], PAGES * PAGE, &h[i])))
			return;
	for (uint64_t p = 0; p < PAGES; p++)
		for (int i = 0; i < N; i++)
			for (uint64_t w = 0; w < WORDS; w++)
				((volatile uint64_t *)(a[i] + p * PAGE))[w] = word(p * WORDS + w, i);
	for (uint64_t w = 0; w < PAGES * WORDS; w++) {
		uint64_t sum = 0;

		for (int i = 0; i < N; i++)
			sum += ((volatile uint64_t *)a[i])[w];
		((volatile uint64_t *)a[N])[w] = sum;
	}
	for (uint64_t w = 0; w < PAGES * WORDS; w++) {
		for (int i = 0; i < N; i++)
			want += word(w, i);
		got += ((volatile uint64_t *)a[N])[w];
	}
	expect("the merged checksum is the sum of the three", got == want, 1);
	for (int i = 0; i <= N; i++) {
		expect("vmr_unmap", vmr_unmap(a[i], PAGES * PAGE), 0);
		expect("handle_close", handle_close(h[i]), 0);
	}
}

static const struct subtest {
	const char *name;
	void (*run)(void);
} subtests[] = {
	{ "big", t_big },	  { "info", t_info },	  { "share", t_share },
	{ "badptr", t_badptr },	  { "badlen", t_badlen }, { "rights", t_rights },
	{ "close", t_close },	  { "unmap", t_unmap },	  { "protect", t_protect },
	{ "linear", t_linear },	  { "merge", t_merge },
};
#define NR_SUBTESTS (sizeof(subtests) / sizeof(subtests[0]))

/* run_one - run subtest @t, say how it went; 1 when it failed. */
static int run_one(const struct subtest *t)
{
	current = t->name;
	wrong = 0;
	t->run();
	if (!wrong)
		printf("usertests: %s ok\n", t->name);
	return wrong != 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		size_t k = 0;

		while (k < NR_SUBTESTS && strcmp(subtests[k].name, argv[i]))
			k++;
		if (k == NR_SUBTESTS) {
			printf("usertests: no subtest '%s'; subtests:", argv[i]);
			for (k = 0; k < NR_SUBTESTS; k++)
				printf(" %s", subtests[k].name);
			printf("\n");
			return -1;
		}
		failed += run_one(&subtests[k]);
	}
	if (argc == 1)
		for (size_t k = 0; k < NR_SUBTESTS; k++)
			failed += run_one(&subtests[k]);
	printf("usertests: %d failed\n", failed);
	return failed;
}
