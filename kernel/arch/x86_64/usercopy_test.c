/*
 * usercopy_test.c - the refusals of copyin/copyout/copyinstr that need no
 * address space (suite usercopy): ranges outside the user half or
 * wrapping are refused before any access, and an access to an unmapped
 * user address comes back as KERN_MEMORY_FAULT instead of a panic. (The
 * copies that succeed need a process: grading/user/badptr.c.)
 */
#include <arch/memlayout.h>
#include <mango/ktest.h>
#include <mango/usercopy.h>

#define UNMAPPED_USER 0x10000000ul /* no address space is active in ktest */

KTEST(usercopy, range_check)
{
	KT_EXPECT_TRUE(user_range_ok(0, 0));
	KT_EXPECT_TRUE(user_range_ok(USER_HALF_END - 1, 1));
	KT_EXPECT_TRUE(user_range_ok(0, USER_HALF_END));
	KT_EXPECT_FALSE(user_range_ok(USER_HALF_END - 1, 2));
	KT_EXPECT_FALSE(user_range_ok(USER_HALF_END, 0));
	KT_EXPECT_FALSE(user_range_ok(KERNEL_BASE, 8));
	KT_EXPECT_FALSE(user_range_ok(0x1000, ~0ul)); /* wraps */
	KT_EXPECT_FALSE(user_range_ok(~0ul, 2));
}

KTEST(usercopy, kernel_pointers_refused)
{
	uint64_t secret = 0x5EC12E7, buf = 0;
	char s[8];

	KT_EXPECT_EQ(copyin(&buf, (uintptr_t)&secret, sizeof(buf)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(buf, 0);
	KT_EXPECT_EQ(copyout((uintptr_t)&buf, &secret, sizeof(buf)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(buf, 0);
	KT_EXPECT_EQ(copyinstr(s, (uintptr_t)"kernel", sizeof(s), NULL), KERN_INVALID_ARGUMENT);
	KT_EXPECT_EQ(copyinstr(s, 0x1000, 0, NULL), KERN_INVALID_ARGUMENT);
}

KTEST(usercopy, unmapped_user_address_faults_safely)
{
	uint64_t buf = 0x1234;
	char s[8];

	KT_EXPECT_EQ(copyin(&buf, UNMAPPED_USER, sizeof(buf)), KERN_MEMORY_FAULT);
	KT_EXPECT_EQ(buf, 0x1234);
	KT_EXPECT_EQ(copyout(UNMAPPED_USER, &buf, sizeof(buf)), KERN_MEMORY_FAULT);
	KT_EXPECT_EQ(copyinstr(s, UNMAPPED_USER, sizeof(s), NULL), KERN_MEMORY_FAULT);
	KT_EXPECT_EQ(copyin(&buf, UNMAPPED_USER, 0), KERN_OK); /* nothing to touch */
}
