/*
 * elf_test.c - elf_check refuses every broken executable with its reason
 * and accepts a minimal good one (suite elf). The images are built here,
 * field by field, one fault each.
 */
#include <arch/x86.h>
#include <mango/elf.h>
#include <mango/ktest.h>
#include <mango/string.h>

#define IMG_SIZE (2 * PAGE_SIZE)
#define LO 0x10000ul
#define HI 0x7FFF00000000ul
#define TEXT_VA 0x400000ul
#define TEXT_LEN 0x100ul
#define WHY_MAX 160

static uint8_t img[IMG_SIZE] __aligned(PAGE_SIZE);
static char why[WHY_MAX];

/* ehdr / phdr - the header and the first two program headers of img. */
static struct elf64_ehdr *ehdr(void)
{
	return (struct elf64_ehdr *)img;
}

static struct elf64_phdr *phdr(unsigned i)
{
	return (struct elf64_phdr *)(img + sizeof(struct elf64_ehdr)) + i;
}

/* good_image - a loadable executable: one r-x segment of TEXT_LEN bytes
 * at TEXT_VA from file offset 0, entered 16 bytes in; a second header
 * slot left as PT_NULL for cases that need two segments. */
static void good_image(void)
{
	static const uint8_t ident[] = { ELF_MAGIC0, 'E', 'L', 'F', ELF_CLASS64, ELF_DATA_LSB,
					 ELF_VERSION };

	memset(img, 0, sizeof(img));
	memcpy(ehdr()->e_ident, ident, sizeof(ident));
	ehdr()->e_type = ELF_TYPE_EXEC;
	ehdr()->e_machine = ELF_MACHINE_X86_64;
	ehdr()->e_version = ELF_VERSION;
	ehdr()->e_entry = TEXT_VA + 16;
	ehdr()->e_phoff = sizeof(struct elf64_ehdr);
	ehdr()->e_ehsize = sizeof(struct elf64_ehdr);
	ehdr()->e_phentsize = sizeof(struct elf64_phdr);
	ehdr()->e_phnum = 2;
	*phdr(0) = (struct elf64_phdr){ .p_type = ELF_PT_LOAD, .p_flags = ELF_PF_R | ELF_PF_X,
					.p_offset = 0, .p_vaddr = TEXT_VA, .p_filesz = TEXT_LEN,
					.p_memsz = TEXT_LEN, .p_align = PAGE_SIZE };
}

/* has - does why contain @what? */
static bool has(const char *what)
{
	size_t n = strlen(what);

	for (const char *p = why; *p; p++)
		if (!strncmp(p, what, n))
			return true;
	return false;
}

static kern_status_t check(size_t size)
{
	why[0] = '\0';
	return elf_check(img, size, LO, HI, why, sizeof(why));
}

KTEST(elf, good_image_accepted)
{
	good_image();
	KT_EXPECT_EQ(check(sizeof(img)), KERN_OK);
	phdr(1)->p_type = ELF_PT_LOAD; /* an empty PT_LOAD asks for nothing */
	KT_EXPECT_EQ(check(sizeof(img)), KERN_OK);
}

KTEST(elf, header_faults_refused)
{
	good_image();
	KT_EXPECT_EQ(check(sizeof(struct elf64_ehdr) - 1), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("not an ELF file"));
	img[1] = 'X';
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("not an ELF file"));
	good_image();
	img[ELF_EI_CLASS] = 1; /* 32-bit */
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("64-bit"));
	good_image();
	ehdr()->e_machine = 3; /* i386 */
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("x86-64"));
	good_image();
	ehdr()->e_type = 3; /* a shared object */
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("not an executable"));
	good_image();
	ehdr()->e_phoff = ~0ull - 8; /* wraps */
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("program headers outside the file"));
	good_image();
	ehdr()->e_phnum = 0xFFFF;
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("program headers outside the file"));
}

KTEST(elf, segment_faults_refused)
{
	good_image();
	phdr(0)->p_filesz = ~0ull; /* offset + filesz wraps */
	phdr(0)->p_memsz = ~0ull;
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("outside the file"));
	good_image();
	phdr(0)->p_memsz = TEXT_LEN - 1;
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("memory size below file size"));
	good_image();
	phdr(0)->p_vaddr = 0; /* NULL's page */
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("outside the program's part"));
	good_image();
	phdr(0)->p_vaddr = HI - PAGE_SIZE;
	phdr(0)->p_memsz = ~0ull - PAGE_SIZE; /* vaddr + memsz wraps */
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("outside the program's part"));
	good_image();
	phdr(0)->p_vaddr = TEXT_VA + 8; /* offset 0 */
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("modulo the page size"));
	good_image();
	phdr(0)->p_flags |= ELF_PF_W;
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("W^X"));
	good_image();
	*phdr(1) = *phdr(0);
	phdr(1)->p_flags = ELF_PF_R | ELF_PF_W;
	phdr(1)->p_vaddr = TEXT_VA + PAGE_SIZE / 2; /* same page */
	phdr(1)->p_offset = PAGE_SIZE / 2;
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("overlaps an earlier segment"));
}

KTEST(elf, entry_outside_text_refused)
{
	good_image();
	ehdr()->e_entry = TEXT_VA + TEXT_LEN;
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("entry point"));
	good_image();
	phdr(0)->p_flags = ELF_PF_R; /* no executable segment */
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("entry point"));
	good_image();
	phdr(0)->p_type = 0;
	KT_EXPECT_EQ(check(sizeof(img)), KERN_INVALID_ARGUMENT);
	KT_EXPECT_TRUE(has("no PT_LOAD"));
}
