/*
 * mango/string.h - the freestanding subset of <string.h> the kernel needs,
 * plus a few parsing helpers for the monitor and kernel parameters.
 */
#ifndef MANGO_STRING_H_
#define MANGO_STRING_H_

#include <mango/types.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * parse_u64 - parse all of @s as an unsigned integer: decimal, or hex with a
 * 0x prefix, with an optional K/M/G suffix (binary multiples) when
 * @allow_suffix. Returns true and sets *out on success; false on an empty
 * string, a stray character or overflow (and leaves *out alone).
 */
bool parse_u64(const char *s, uint64_t *out, bool allow_suffix);

/* glob_match - shell-style match of @str against @pat ('*' and '?'). */
bool glob_match(const char *pat, const char *str);

#endif /* MANGO_STRING_H_ */
