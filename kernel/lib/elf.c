/*
 * elf.c - validating an ELF executable before loading it (<mango/elf.h>).
 *
 * Every check compares numbers the file chose with bounds the kernel
 * knows, in a form that cannot overflow (a + b > limit is written
 * a > limit || b > limit - a). The first problem found is the answer.
 */
#include <arch/x86.h>
#include <mango/elf.h>
#include <mango/format.h>
#include <mango/string.h>

/* fits - [@off, @off + @len) lies inside [0, @size). */
static bool fits(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* check_header - the identification and the fixed fields of @eh (@size
 * bytes of file): NULL when fine, else what is wrong. */
static const char *check_header(const struct elf64_ehdr *eh, size_t size)
{
	static const uint8_t magic[4] = { ELF_MAGIC0, 'E', 'L', 'F' };

	if (size < sizeof(*eh) || memcmp(eh->e_ident, magic, sizeof(magic)))
		return "not an ELF file (bad magic or shorter than an ELF header)";
	if (eh->e_ident[ELF_EI_CLASS] != ELF_CLASS64 || eh->e_ident[ELF_EI_DATA] != ELF_DATA_LSB ||
	    eh->e_ident[ELF_EI_VERSION] != ELF_VERSION || eh->e_version != ELF_VERSION)
		return "not a 64-bit little-endian ELF file of version 1";
	if (eh->e_machine != ELF_MACHINE_X86_64)
		return "not an x86-64 program";
	if (eh->e_type != ELF_TYPE_EXEC)
		return "not an executable (ET_EXEC)";
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return "program header size is not 56";
	if (eh->e_phnum == 0 || !IS_ALIGNED(eh->e_phoff, 8) ||
	    !fits(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), size))
		return "program headers outside the file";
	return NULL;
}

const struct elf64_phdr *elf_phdr(const void *data, unsigned i)
{
	const struct elf64_ehdr *eh = data;

	return (const struct elf64_phdr *)((const uint8_t *)data + eh->e_phoff) + i;
}

/* check_segment - PT_LOAD @ph against the file (@size) and [@lo, @hi). */
static const char *check_segment(const struct elf64_phdr *ph, size_t size, uintptr_t lo,
				 uintptr_t hi)
{
	if (!fits(ph->p_offset, ph->p_filesz, size))
		return "its bytes lie outside the file";
	if (ph->p_memsz < ph->p_filesz)
		return "memory size below file size";
	if (ph->p_vaddr < lo || ph->p_vaddr > hi || ph->p_memsz > hi - ph->p_vaddr)
		return "outside the program's part of the user half";
	if ((ph->p_vaddr & (PAGE_SIZE - 1)) != (ph->p_offset & (PAGE_SIZE - 1)))
		return "address and file offset differ modulo the page size";
	if ((ph->p_flags & ELF_PF_W) && (ph->p_flags & ELF_PF_X))
		return "writable and executable (W^X)";
	if (!(ph->p_flags & ELF_PF_R))
		return "not readable";
	return NULL;
}

/* overlap - do the page ranges of @a and @b meet? */
static bool overlap(const struct elf64_phdr *a, const struct elf64_phdr *b)
{
	uint64_t a0 = ALIGN_DOWN(a->p_vaddr, PAGE_SIZE), a1 = ALIGN_UP(a->p_vaddr + a->p_memsz, PAGE_SIZE);
	uint64_t b0 = ALIGN_DOWN(b->p_vaddr, PAGE_SIZE), b1 = ALIGN_UP(b->p_vaddr + b->p_memsz, PAGE_SIZE);

	return a0 < b1 && b0 < a1;
}

kern_status_t elf_check(const void *data, size_t size, uintptr_t lo, uintptr_t hi, char *why,
			size_t why_len)
{
	const struct elf64_ehdr *eh = data;
	const char *bad;
	unsigned loads = 0;
	bool entry_ok = false;

	if (!data || !IS_ALIGNED((uintptr_t)data, 8)) {
		snprintf(why, why_len, "no image, or one not 8-byte aligned");
		return KERN_INVALID_ARGUMENT;
	}
	bad = check_header(eh, size);
	if (bad) {
		snprintf(why, why_len, "%s", bad);
		return KERN_INVALID_ARGUMENT;
	}
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *ph = elf_phdr(data, i);

		if (!elf_loadable(ph))
			continue;
		if (++loads > ELF_LOAD_MAX) {
			snprintf(why, why_len, "more than %d PT_LOAD segments", ELF_LOAD_MAX);
			return KERN_INVALID_ARGUMENT;
		}
		bad = check_segment(ph, size, lo, hi);
		for (unsigned j = 0; !bad && j < i; j++) {
			const struct elf64_phdr *other = elf_phdr(data, j);

			if (elf_loadable(other) && overlap(ph, other))
				bad = "overlaps an earlier segment";
		}
		if (bad) {
			snprintf(why, why_len, "segment %u [0x%lx, +0x%lx): %s", i,
				 (unsigned long)ph->p_vaddr, (unsigned long)ph->p_memsz, bad);
			return KERN_INVALID_ARGUMENT;
		}
		if ((ph->p_flags & ELF_PF_X) && eh->e_entry >= ph->p_vaddr &&
		    eh->e_entry - ph->p_vaddr < ph->p_filesz)
			entry_ok = true;
	}
	if (loads == 0) {
		snprintf(why, why_len, "no PT_LOAD segment");
		return KERN_INVALID_ARGUMENT;
	}
	if (!entry_ok) {
		snprintf(why, why_len, "entry point 0x%lx is in no executable segment",
			 (unsigned long)eh->e_entry);
		return KERN_INVALID_ARGUMENT;
	}
	return KERN_OK;
}
