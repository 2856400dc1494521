/*
 * param.c - kernel parameter parsing (see <mango/param.h>).
 */
#include <mango/format.h>
#include <mango/param.h>
#include <mango/printk.h>
#include <mango/string.h>

#define CMDLINE_MAX 1024
#define MAX_WORDS 32

extern const struct kparam __kparams_start[], __kparams_end[];

static char cmdline[CMDLINE_MAX]; /* everything received, space-separated */
static char words[CMDLINE_MAX];   /* accepted words, NUL-separated */
static size_t words_used;
static struct {
	const char *key; /* into words[] */
	const char *val; /* into words[]; "" for a flag */
} table[MAX_WORDS];
static unsigned nr_words;

static const struct kparam *lookup(const char *name, size_t len)
{
	for (const struct kparam *p = __kparams_start; p < __kparams_end; p++)
		if (strlen(p->name) == len && !strncmp(p->name, name, len))
			return p;
	return NULL;
}

static bool valid_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static void warn_valid_names(void)
{
	char list[CMDLINE_MAX];
	size_t n = 0;

	list[0] = '\0';
	for (const struct kparam *p = __kparams_start; p < __kparams_end; p++) {
		int w = snprintf(list + n, sizeof(list) - n, "%s%s",
				 n ? ", " : "", p->name);
		if (w < 0 || (size_t)w >= sizeof(list) - n)
			break;
		n += (size_t)w;
	}
	pr_warn("  valid parameters: %s\n", list);
}

/* Record one word [w, w+len) after checking it; warn on anything odd. */
static void add_word(const char *w, size_t len)
{
	size_t klen = 0;
	const char *val;
	char *key;

	while (klen < len && w[klen] != '=')
		klen++;
	for (size_t i = 0; i < klen; i++) {
		if (!valid_key_char(w[i])) {
			klen = 0;
			break;
		}
	}
	if (klen == 0) {
		pr_warn("ignoring malformed kernel parameter '%.*s' (expected key=value or flag)\n",
			(int)len, w);
		warn_valid_names();
		return;
	}
	if (!lookup(w, klen)) {
		pr_warn("ignoring unknown kernel parameter '%.*s'\n", (int)len, w);
		warn_valid_names();
		return;
	}
	if (words_used + len + 2 > sizeof(words) || nr_words == MAX_WORDS) {
		pr_warn("ignoring kernel parameter '%.*s': command line too long\n",
			(int)len, w);
		return;
	}

	key = words + words_used;
	memcpy(key, w, klen);
	key[klen] = '\0';
	words_used += klen + 1;
	if (klen < len) {
		char *v = words + words_used;
		memcpy(v, w + klen + 1, len - klen - 1);
		v[len - klen - 1] = '\0';
		words_used += len - klen;
		val = v;
	} else {
		val = "";
	}

	/* a later word overrides an earlier one */
	for (unsigned i = 0; i < nr_words; i++) {
		if (!strcmp(table[i].key, key)) {
			table[i].val = val;
			return;
		}
	}
	table[nr_words].key = key;
	table[nr_words].val = val;
	nr_words++;
}

void param_parse(const char *s)
{
	size_t used = strlen(cmdline);

	if (!s)
		return;
	if (*s && used + strlen(s) + 2 <= sizeof(cmdline)) {
		if (used)
			cmdline[used++] = ' ';
		strlcpy(cmdline + used, s, sizeof(cmdline) - used);
	}
	while (*s) {
		const char *start;
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		start = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			s++;
		if (s > start)
			add_word(start, (size_t)(s - start));
	}
}

const char *param_get(const char *name)
{
	for (unsigned i = 0; i < nr_words; i++)
		if (!strcmp(table[i].key, name))
			return table[i].val;
	return NULL;
}

bool param_get_u64(const char *name, uint64_t max, uint64_t *out)
{
	const char *v = param_get(name);
	uint64_t n;

	if (!v)
		return false;
	if (!parse_u64(v, &n, true) || n > max) {
		pr_warn("ignoring kernel parameter %s='%s': expected a number from 0 to %lu\n",
			name, v, (unsigned long)max);
		return false;
	}
	*out = n;
	return true;
}

const char *param_cmdline(void)
{
	return cmdline;
}

void param_dump(void)
{
	printk("command line: %s\n", cmdline[0] ? cmdline : "(empty)");
	for (unsigned i = 0; i < nr_words; i++)
		printk("  %s%s%s\n", table[i].key, table[i].val[0] ? "=" : "",
		       table[i].val);
	printk("known parameters:\n");
	for (const struct kparam *p = __kparams_start; p < __kparams_end; p++)
		printk("  %-14s %s\n", p->name, p->help);
}
