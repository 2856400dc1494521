/*
 * mango/format.h - printf-style formatting into a buffer.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%; flags '-' (left-justify),
 * '0' (zero-pad); a field width (number or *); a precision for %s (.N or
 * .*); size modifiers hh, h, l, ll, z. %p prints 0x and 16 hex digits.
 */
#ifndef MANGO_FORMAT_H_
#define MANGO_FORMAT_H_

#include <mango/types.h>
#include <stdarg.h>

/*
 * vsnprintf - format into @buf of @size bytes, always NUL-terminated when
 * size > 0. Returns the length the full output would have had (as in C99),
 * so a result >= size means the output was truncated.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif /* MANGO_FORMAT_H_ */
