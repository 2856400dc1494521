/*
 * ksyms.c - look-ups in the embedded symbol table (see <mango/ksyms.h>).
 *
 * Layout produced by kernel/tools/mksyms.py, all in section .ksyms:
 *   ksyms_count            number of entries, n
 *   ksyms_addrs[n]         start addresses, ascending
 *   ksyms_ends[n]          end addresses (start + size, or the next start)
 *   ksyms_name_offsets[n]  offset of each NUL-terminated name in ksyms_names
 *   ksyms_names            the names
 */
#include <mango/ksyms.h>
#include <mango/string.h>

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint64_t ksyms_ends[];
extern const uint32_t ksyms_name_offsets[];
extern const char ksyms_names[];

size_t ksym_count(void)
{
	return (size_t)ksyms_count;
}

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
	// LAB 0 SOLUTION BEGIN
	size_t lo = 0, hi = (size_t)ksyms_count;

	/* find the last entry whose start is <= addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms_addrs[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= ksyms_ends[lo - 1])
		return NULL;
	*offset = addr - ksyms_addrs[lo - 1];
	return ksyms_names + ksyms_name_offsets[lo - 1];
	// LAB 0 STUB: /* Lab 0, Exercise 6: binary-search ksyms_addrs. */
	// LAB 0 STUB: return NULL;
	// LAB 0 SOLUTION END
}

uintptr_t ksym_address(const char *name)
{
	// LAB 0 SOLUTION BEGIN
	for (size_t i = 0; i < (size_t)ksyms_count; i++)
		if (!strcmp(ksyms_names + ksyms_name_offsets[i], name))
			return ksyms_addrs[i];
	return 0;
	// LAB 0 STUB: /* Lab 0, Exercise 6: find the symbol called name. */
	// LAB 0 STUB: return 0;
	// LAB 0 SOLUTION END
}
