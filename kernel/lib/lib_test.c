/*
 * lib_test.c - in-kernel tests of the freestanding library: formatting,
 * strings, number parsing, glob matching, rights as letters.
 */
#include <mango/format.h>
#include <mango/ktest.h>
#include <mango/string.h>
#include <mango/vm_prot.h>

#define FMT(expect, ...)                                        \
	do {                                                    \
		char buf_[64];                                  \
		snprintf(buf_, sizeof(buf_), __VA_ARGS__);      \
		KT_EXPECT_STREQ(buf_, expect);                  \
	} while (0)

KTEST(lib, format_integers)
{
	FMT("42", "%d", 42);
	FMT("-42", "%i", -42);
	FMT("4294967295", "%u", 0xFFFFFFFFu);
	FMT("ff", "%x", 255);
	FMT("FF", "%X", 255);
	FMT("ffffffffffffffff", "%lx", ~0ul);
	FMT("-9223372036854775808", "%lld", (long long)(-9223372036854775807ll - 1));
	FMT("123", "%zu", (size_t)123);
	FMT("17", "%o", 15);
}

KTEST(lib, format_width_and_padding)
{
	FMT("   42", "%5d", 42);
	FMT("00042", "%05d", 42);
	FMT("-0042", "%05d", -42);
	FMT("42   |", "%-5d|", 42);
	FMT("  ab", "%4s", "ab");
	FMT("ab  |", "%-4s|", "ab");
	FMT("abc", "%.3s", "abcdef");
	FMT("   7", "%*d", 4, 7);
}

KTEST(lib, format_other_conversions)
{
	FMT("0x00000000000000ff", "%p", (void *)0xff);
	FMT("c", "%c", 'c');
	FMT("100%", "%d%%", 100);
	const char *volatile nothing = NULL; /* hidden from -Wformat-overflow */
	FMT("(null)", "%s", nothing);
}

KTEST(lib, format_truncates_and_counts)
{
	char buf[4];
	KT_EXPECT_EQ(snprintf(buf, sizeof(buf), "%s", "mango"), 5);
	KT_EXPECT_STREQ(buf, "man");
	KT_EXPECT_EQ(snprintf(NULL, 0, "%d", 1234), 4);
}

KTEST(lib, parse_u64_accepts)
{
	uint64_t v = 0;
	KT_ASSERT_TRUE(parse_u64("0", &v, false));
	KT_EXPECT_EQ(v, 0);
	KT_ASSERT_TRUE(parse_u64("0x1F", &v, false));
	KT_EXPECT_EQ(v, 31);
	KT_ASSERT_TRUE(parse_u64("18446744073709551615", &v, false));
	KT_EXPECT_EQ(v, UINT64_MAX);
	KT_ASSERT_TRUE(parse_u64("4K", &v, true));
	KT_EXPECT_EQ(v, 4096);
	KT_ASSERT_TRUE(parse_u64("2M", &v, true));
	KT_EXPECT_EQ(v, 2 * MiB);
}

KTEST(lib, parse_u64_rejects)
{
	uint64_t v = 7;
	KT_EXPECT_FALSE(parse_u64("", &v, false));
	KT_EXPECT_FALSE(parse_u64("0x", &v, false));
	KT_EXPECT_FALSE(parse_u64("12z", &v, false));
	KT_EXPECT_FALSE(parse_u64("4K", &v, false));
	KT_EXPECT_FALSE(parse_u64("18446744073709551616", &v, false));
	KT_EXPECT_FALSE(parse_u64("17179869184G", &v, true));
	KT_EXPECT_EQ(v, 7); /* untouched on failure */
}

KTEST(lib, glob)
{
	KT_EXPECT_TRUE(glob_match("*", ""));
	KT_EXPECT_TRUE(glob_match("lib.*", "lib.glob"));
	KT_EXPECT_TRUE(glob_match("*.g?ob", "lib.glob"));
	KT_EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
	KT_EXPECT_FALSE(glob_match("lib.*", "ktest.x"));
	KT_EXPECT_FALSE(glob_match("a*b", "aXXc"));
}

KTEST(lib, strings)
{
	char buf[8];
	KT_EXPECT_EQ(strlen("mango"), 5);
	KT_EXPECT_EQ(strnlen("mango", 3), 3);
	KT_EXPECT_TRUE(strcmp("a", "b") < 0);
	KT_EXPECT_EQ(strncmp("mango", "mangle", 4), 0);
	KT_EXPECT_EQ(strlcpy(buf, "mangosteen", sizeof(buf)), 10);
	KT_EXPECT_STREQ(buf, "mangost");
	KT_EXPECT_NULL(strchr("abc", 'z'));
	memset(buf, 'x', sizeof(buf));
	memmove(buf + 1, buf, 4);
	KT_EXPECT_EQ(memcmp(buf, "xxxxxxxx", 8), 0);
}

/* Rights as the monitor writes them: four letters, and they parse back. */
KTEST(lib, vm_prot_letters_round_trip)
{
	char buf[VM_PROT_STRING_SIZE];
	enum vm_prot p = VM_PROT_NONE;

	KT_EXPECT_STREQ(vm_prot_format(VM_PROT_READ | VM_PROT_EXEC, buf), "r-x-");
	KT_EXPECT_STREQ(vm_prot_format(VM_PROT_ALL, buf), "rwxu");
	KT_EXPECT_STREQ(vm_prot_format(VM_PROT_NONE, buf), "----");
	KT_EXPECT_TRUE(vm_prot_parse("r-x-", &p));
	KT_EXPECT_EQ(p, VM_PROT_READ | VM_PROT_EXEC);
	KT_EXPECT_TRUE(vm_prot_parse("uwr", &p));
	KT_EXPECT_EQ(p, VM_PROT_READ | VM_PROT_WRITE | VM_PROT_USER);
	KT_EXPECT_FALSE(vm_prot_parse("rq", &p));
	KT_EXPECT_EQ(p, VM_PROT_READ | VM_PROT_WRITE | VM_PROT_USER); /* unchanged */
}
