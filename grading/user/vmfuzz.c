// LAB 6 FILE
/*
 * vmfuzz.c - Lab 6's system calls fuzzed: `vmfuzz SEED [CALLS]` (hex
 * seed, decimal count, default 10000) issues CALLS calls chosen by a
 * xorshift generator from SEED, so a run is replayed by its seed. Their
 * arguments mix boundary values (0, -1, misaligned, wrapping, the kernel
 * half, the end of the user half, closed and foreign handles) with values
 * that work (the handles and mappings it made). Every answer must be >= 0
 * or minus a kern_status_t; a success must look like one (a handle in the
 * table's range, a page-aligned user address). The process must live to
 * the end: it never passes a range that could reach its own text, data or
 * stack with a valid length. At the end it prints a count per status and
 * exits with the number of malformed answers, leaving mappings and
 * handles live for the kernel to clean up.
 */
#include <mango/string.h>
#include <ulib.h>

#define PAGE 0x1000ul /* bytes in a page */
#define KERNEL_HALF 0xFFFF800000000000ul
#define USER_END 0x0000800000000000ul
#define AREA 0x200000000ul /* fixed mappings go in [AREA, AREA + 4 GiB) */
#define TRACKED 16        /* mappings remembered */
#define HANDLES 64        /* HANDLE_TABLE_SIZE */

static uint64_t state;

/* rnd - the next number of the generator (xorshift64). */
static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

/* pick - one of the @n values at @v. */
static uint64_t pick(const uint64_t *v, size_t n)
{
	return v[rnd() % n];
}

static struct {
	uint64_t base, len; /* len 0: free slot */
} maps[TRACKED];
static long handles[8];

/* handle - a handle to try: one it made, or a boundary value. */
static long handle(void)
{
	static const uint64_t odd[] = { 0, 1, 2, (uint64_t)-1, HANDLES, HANDLES - 1, 1000,
					1ul << 40 };

	return rnd() % 3 ? handles[rnd() % 8] : (long)pick(odd, 8);
}

/* length - a length to try (@fit: the valid ones are at most it). */
static uint64_t length(uint64_t fit)
{
	static const uint64_t odd[] = { 0, 1, PAGE - 1, PAGE + 1, (uint64_t)-PAGE, (uint64_t)-1,
					USER_END, 1ul << 63 };

	if (rnd() % 3 == 0)
		return pick(odd, 8);
	return fit ? (1 + rnd() % (fit / PAGE)) * PAGE : (1 + rnd() % 512) * PAGE;
}

/* address - an address for unmap/protect and its length: a slice of a
 * mapping it made, a range in AREA, or a boundary value. */
static uint64_t address(uint64_t *len)
{
	static const uint64_t odd[] = { 0, PAGE, KERNEL_HALF, USER_END - PAGE, USER_END,
					(uint64_t)-PAGE, 0x400000 + 8, AREA + 1 };
	int i = rnd() % TRACKED;

	if (maps[i].len && rnd() % 2) {
		uint64_t skip = (rnd() % (maps[i].len / PAGE)) * PAGE;

		*len = length(maps[i].len - skip);
		if (*len <= maps[i].len - skip || *len >= USER_END)
			return maps[i].base + skip;
	}
	if (rnd() % 2) {
		*len = length(1ul << 30);
		if (*len < USER_END && *len > (1ul << 30))
			*len = PAGE;
		return AREA + (rnd() % (1ul << 20)) * PAGE;
	}
	*len = length(0);
	if (*len < USER_END)
		*len = rnd() % 2 ? 0 : (uint64_t)-PAGE; /* never a valid range there */
	return pick(odd, 8);
}

/* prot - a prot to try. */
static uint64_t prot(void)
{
	return rnd() % 4 ? 1 | (rnd() % 8) : rnd() % 2 ? rnd() % 16 : rnd();
}

static const char *names[] = { "fuzz", "", "a-name-of-sixty-three-bytes-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			       (const char *)0, (const char *)KERNEL_HALF, (const char *)0x10000000 };

static long counts[KERN_NR_STATUS + 1];
static long malformed;

/* answer - count @r; false (and say so) when it is no valid answer of
 * @call: a handle outside the table, an unaligned or kernel address. */
static bool answer(const char *call, long r, int kind)
{
	bool ok = r >= 0 ? (kind == 'h' ? r > 0 && r < HANDLES
				   : kind == 'a' ? !(r & (PAGE - 1)) && (uint64_t)r < USER_END
						 : r == 0)
			 : -r > 0 && -r < KERN_NR_STATUS;

	counts[r >= 0 ? 0 : ok ? -r : KERN_NR_STATUS]++;
	if (!ok) {
		printf("vmfuzz: %s answered %ld (%s): not a valid answer\n", call, r, status_name(r));
		malformed++;
	}
	return ok && r >= 0;
}

/* track - remember a mapping at @a of @len (dropping an old one). */
static void track(uint64_t a, uint64_t len)
{
	int i = rnd() % TRACKED;

	if (maps[i].len)
		vmr_unmap(maps[i].base, maps[i].len); /* bounds what the run holds */
	maps[i].base = a;
	maps[i].len = len;
}

/* one - one random call. */
static void one(void)
{
	struct vmo_info info;
	uint64_t len, a, p;
	long r, h;

	switch (rnd() % 8) {
	case 0:
	case 1:
		r = vmo_create(names[rnd() % 6], length(1ul << 30), prot());
		if (answer("vmo_create", r, 'h')) {
			int i = rnd() % 8;

			if (handles[i] > 0)
				handle_close(handles[i]); /* the table stays usable */
			handles[i] = r;
		}
		break;
	case 2:
		r = vmo_create_in_place(handle(), names[rnd() % 6], rnd() % 2 ? 0x100000 : rnd(),
					length(0), prot());
		answer("vmo_create_in_place", r, 'h');
		break;
	case 3: {
		uint64_t where[] = { (uint64_t)&info, 0, KERNEL_HALF, USER_END - 8, (uint64_t)names[2],
				     0x10000000, maps[rnd() % TRACKED].base + 8 * (rnd() % 600) };

		answer("vmo_get_info", vmo_get_info(handle(), (void *)pick(where, 7)), 0);
		break;
	}
	case 4:
	case 5:
		h = handle();
		len = length(1ul << 30);
		p = rnd() % 3 ? (rnd() % 64) * PAGE : pick((const uint64_t[]){ 1, (uint64_t)-PAGE,
									     1ul << 40 }, 3);
		a = rnd() % 2 ? VMR_MAP_ANYWHERE
			      : rnd() % 4 ? AREA + (rnd() % (1ul << 20)) * PAGE
					  : pick((const uint64_t[]){ 0, KERNEL_HALF, 0x400000,
								     USER_END - PAGE, AREA + 8 },
						 5);
		if (len < USER_END && a != VMR_MAP_ANYWHERE && a < USER_END && a >= AREA &&
		    len > (1ul << 30))
			len = PAGE; /* a fixed mapping stays inside AREA */
		if (a != VMR_MAP_ANYWHERE && a < AREA && a + len > a && a + len <= USER_END &&
		    len < USER_END)
			len = PAGE; /* below AREA only the program's own pages: a clash */
		r = vmr_map(h, p, len, prot(), a);
		if (answer("vmr_map", r, 'a'))
			track((uint64_t)r, len);
		break;
	case 6:
		a = address(&len);
		answer("vmr_unmap", vmr_unmap(a, len), 0);
		break;
	default:
		a = address(&len);
		answer("vmr_protect", vmr_protect(a, len, prot()), 0);
		break;
	}
	if (rnd() % 64 == 0)
		answer("handle_close", handle_close(handle()), 0);
}

/* decimal - @s as a decimal number. */
static long decimal(const char *s)
{
	long v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

int main(int argc, char **argv)
{
	long calls = argc > 2 ? decimal(argv[2]) : 10000;

	state = 0x9E3779B97F4A7C15ul;
	for (const char *s = argc > 1 ? argv[1] : ""; *s; s++)
		state = state * 16 + (uint64_t)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
	if (!state)
		state = 1;
	printf("vmfuzz: %ld calls from seed %s\n", calls, argc > 1 ? argv[1] : "(none)");
	for (long i = 0; i < calls; i++)
		one();
	printf("vmfuzz: ok %ld", counts[0]);
	for (int s = 1; s < KERN_NR_STATUS; s++)
		printf(" %s %ld", status_name(-s), counts[s]);
	printf("; %ld malformed\n", malformed);
	return (int)malformed;
}
