// LAB 6 FILE
/*
 * vmhold.c - Lab 6 set up for a witness outside the guest: the grader
 * reads the page tables and frames through QEMU while this process holds
 * its mappings, so what the kernel says about itself is not the evidence.
 *
 *   vmhold big SEED     map a 1 GiB object, touch three pages (where SEED
 *                       says), write word(SEED, va) at each, hold
 *   vmhold share SEED   one object, two mappings; write through the first
 *   vmhold ro SEED      write a page, protect it read-only, hold
 *   vmhold unmap SEED   touch four pages, unmap the middle two, hold
 *   vmhold live SEED    map and touch objects, exit 0 with them mapped
 *   run -p vmhold inplace SEED PHYS
 *                       an in-place object over the two frames at PHYS
 *                       (privileged: HANDLE_SELF's HANDLE_RIGHT_IN_PLACE),
 *                       mapped; write a word in one of them, hold
 *
 * Holding: print "vmhold: holding" with what the grader must find, then
 * loop on yield() until the kernel's time limit ends the process (the
 * grader boots with a short proc.time_limit_ms). A call that fails prints
 * "vmhold: FAILED ..." and exits 1.
 */
#include <mango/string.h>
#include <ulib.h>

#define PAGE 0x1000ul /* bytes in a page */

#define FAR 0x100001000ul /* 4 GiB + 4 KiB: no 2 MiB page fits the mapping */
#define RW (VM_PROT_READ | VM_PROT_WRITE)

/* word - the value written at @va: the grader computes it too. */
static uint64_t word(uint64_t seed, uint64_t va)
{
	return (va * 0x9E3779B97F4A7C15ul) ^ seed;
}

/* parse - @s as a hexadecimal number (no prefix). */
static uint64_t parse(const char *s)
{
	uint64_t v = 0;

	for (; *s; s++)
		v = v * 16 + (uint64_t)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
	return v;
}

/* must - @r when it is >= 0; else say what failed and exit 1. */
static long must(const char *what, long r)
{
	if (r < 0) {
		printf("vmhold: FAILED %s: %ld (%s)\n", what, r, status_name(r));
		exit(1);
	}
	return r;
}

/* hold - spin until the time limit ends the process. */
static void __attribute__((noreturn)) hold(void)
{
	printf("vmhold: holding\n");
	for (;;)
		yield();
}

/* poke - write word(@seed, @va) at @va. */
static void poke(uint64_t seed, uint64_t va)
{
	*(volatile uint64_t *)va = word(seed, va);
}

static void big(uint64_t seed)
{
	struct vmo_info info;
	long h = must("vmo_create", vmo_create("big", GiB, RW));
	uint64_t a = (uint64_t)must("vmr_map", vmr_map(h, 0, GiB, RW, FAR));

	/* three distinct pages the seed picks, one in each third */
	for (uint64_t i = 0; i < 3; i++) {
		uint64_t page = i * (GiB / PAGE / 3) + (seed >> (8 * i)) % (GiB / PAGE / 3);

		poke(seed, a + page * PAGE + 8 * ((seed >> 4) & 0x1FF));
		printf("vmhold: touched 0x%lx\n", a + page * PAGE + 8 * ((seed >> 4) & 0x1FF));
	}
	must("vmo_get_info", vmo_get_info(h, &info));
	printf("vmhold: mapped [0x%lx, 0x%lx) resident=%lu\n", a, a + (uint64_t)GiB,
	       (unsigned long)info.resident);
	hold();
}

static void share(uint64_t seed)
{
	long h = must("vmo_create", vmo_create("shared", 8 * PAGE, RW));
	uint64_t a = (uint64_t)must("vmr_map", vmr_map(h, 0, 8 * PAGE, RW, VMR_MAP_ANYWHERE));
	uint64_t b = (uint64_t)must("vmr_map", vmr_map(h, 0, 8 * PAGE, VM_PROT_READ,
							VMR_MAP_ANYWHERE));
	uint64_t page = seed % 8;

	poke(seed, a + page * PAGE + 16);
	printf("vmhold: wrote 0x%lx; read 0x%lx\n", a + page * PAGE + 16,
	       *(volatile uint64_t *)(b + page * PAGE + 16));
	printf("vmhold: mappings 0x%lx 0x%lx page %lu\n", a, b, page);
	hold();
}

static void ro(uint64_t seed)
{
	long h = must("vmo_create", vmo_create("ro", 4 * PAGE, RW));
	uint64_t a = (uint64_t)must("vmr_map", vmr_map(h, 0, 4 * PAGE, RW, VMR_MAP_ANYWHERE));
	uint64_t va = a + (seed % 4) * PAGE + 32;

	poke(seed, va);
	must("vmr_protect", vmr_protect(a, 4 * PAGE, VM_PROT_READ));
	printf("vmhold: read-only 0x%lx\n", va);
	hold();
}

static void unmap(uint64_t seed)
{
	long h = must("vmo_create", vmo_create("holes", 4 * PAGE, RW));
	uint64_t a = (uint64_t)must("vmr_map", vmr_map(h, 0, 4 * PAGE, RW, VMR_MAP_ANYWHERE));

	for (uint64_t i = 0; i < 4; i++)
		poke(seed, a + i * PAGE);
	must("vmr_unmap", vmr_unmap(a + PAGE, 2 * PAGE));
	printf("vmhold: unmapped the middle of 0x%lx\n", a);
	hold();
}

static uint64_t phys; /* inplace's PHYS argument */

static void inplace(uint64_t seed)
{
	struct vmo_info info;
	long h = must("vmo_create_in_place",
		      vmo_create_in_place(HANDLE_SELF, "window", phys, 2 * PAGE, RW));
	uint64_t a = (uint64_t)must("vmr_map", vmr_map(h, 0, 2 * PAGE, RW, VMR_MAP_ANYWHERE));
	uint64_t va = a + (seed % 2) * PAGE + 40;

	poke(seed, va);
	must("vmo_get_info", vmo_get_info(h, &info));
	printf("vmhold: in-place 0x%lx phys=0x%lx flags=%u at 0x%lx\n", va,
	       (unsigned long)info.phys, info.flags, a);
	hold();
}

static void live(uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		long h = must("vmo_create", vmo_create("live", 64 * PAGE, RW));
		uint64_t a = (uint64_t)must("vmr_map",
					    vmr_map(h, 0, 64 * PAGE, RW, VMR_MAP_ANYWHERE));

		for (uint64_t p = 0; p < 64; p += 1 + (seed >> (i * 4)) % 5)
			poke(seed, a + p * PAGE);
		if (i % 2)
			must("handle_close", handle_close(h)); /* the mapping stays */
	}
	printf("vmhold: exiting with four mappings live\n");
	exit(0);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(uint64_t seed);
	} modes[] = { { "big", big }, { "share", share }, { "ro", ro },
		      { "unmap", unmap }, { "live", live }, { "inplace", inplace } };

	if (argc == 4)
		phys = parse(argv[3]);
	if (argc == 3 || argc == 4)
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			if (!strcmp(argv[1], modes[i].name))
				modes[i].run(parse(argv[2]));
	printf("usage: vmhold big|share|ro|unmap|live SEED | inplace SEED PHYS (hex)\n");
	return 2;
}
