/*
 * lib/strlcpy.c - strlcpy, in a file of its own so that the host builds of
 * vm/ link this same code: glibc before 2.38 has no strlcpy, and the rest
 * of string.c would clash with the host's C library.
 */
#include <mango/string.h>

/*
 * strlcpy - copy @src into @dst of @size bytes, always NUL-terminating when
 * size > 0. Returns strlen(src): a result >= size means it was truncated.
 */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
