/*
 * lib/format.c - vsnprintf for the kernel (see <mango/format.h>).
 */
#include <mango/format.h>
#include <mango/string.h>

struct out {
	char *buf;
	size_t size;
	size_t len; /* bytes the full output needs so far */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* Emit @s (length @n) in a field of @width, honouring '-' and '0'. */
static void field(struct out *o, const char *s, int n, int width, bool left,
		  bool zero)
{
	int fill = width > n ? width - n : 0;
	if (!left && !zero)
		pad(o, ' ', fill);
	if (zero && !left) {
		/* keep a sign in front of the zeros */
		if (n > 0 && s[0] == '-') {
			put(o, '-');
			s++;
			n--;
		}
		pad(o, '0', fill);
	}
	while (n-- > 0)
		put(o, *s++);
	if (left)
		pad(o, ' ', fill);
}

/* Render @v in @base into the end of @tmp; returns the first digit. */
static char *utoa(uint64_t v, unsigned base, bool upper, char *end)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;
	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	return p;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	char tmp[24]; /* 2^64 in octal is 22 digits, plus sign */
	char *end = tmp + sizeof(tmp);

	for (; *fmt; fmt++) {
		bool left = false, zero = false, is_signed = false;
		int width = 0, prec = -1, lng = 0;
		unsigned base = 10;
		bool upper = false;
		uint64_t u;
		char *p;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = true;
				width = -width;
			}
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z')
				lng = 2;
			else if (*fmt != 'h')
				break;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			is_signed = true;
			break;
		case 'u':
			break;
		case 'x':
			base = 16;
			break;
		case 'X':
			base = 16;
			upper = true;
			break;
		case 'o':
			base = 8;
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			p = utoa(u, 16, false, end);
			put(&o, '0');
			put(&o, 'x');
			field(&o, p, (int)(end - p), 16, false, true);
			continue;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = prec >= 0 ? (int)strnlen(s, (size_t)prec)
					  : (int)strlen(s);
			field(&o, s, n, width, left, false);
			continue;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			field(&o, tmp, 1, width, left, false);
			continue;
		case '%':
			put(&o, '%');
			continue;
		case '\0':
			fmt--; /* lone '%' at the end: print it and stop */
			put(&o, '%');
			continue;
		default:
			/* unknown conversion: show it verbatim, never crash */
			put(&o, '%');
			put(&o, *fmt);
			continue;
		}

		if (is_signed) {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = v < 0 ? -(uint64_t)v : (uint64_t)v;
			p = utoa(u, 10, false, end);
			if (v < 0)
				*--p = '-';
		} else {
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			p = utoa(u, base, upper, end);
		}
		field(&o, p, (int)(end - p), width, left, zero);
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
