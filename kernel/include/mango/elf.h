/*
 * mango/elf.h - 64-bit ELF executables as the loader needs them (the
 * System V gABI and its x86-64 supplement), and their validation.
 *
 * elf_check() is the loader's gate: after it says KERN_OK, every field the
 * loader uses has been checked against the file and the user half, so the
 * loader can trust the headers (not the bytes of the segments: those are
 * the program's business).
 */
#ifndef MANGO_ELF_H_
#define MANGO_ELF_H_

#include <mango/status.h>
#include <mango/types.h>

#define ELF_MAGIC0 0x7F
#define ELF_CLASS64 2     /* e_ident[EI_CLASS] */
#define ELF_DATA_LSB 1    /* e_ident[EI_DATA]: little endian */
#define ELF_VERSION 1     /* e_ident[EI_VERSION], e_version */
#define ELF_TYPE_EXEC 2   /* e_type: a static executable */
#define ELF_MACHINE_X86_64 62
#define ELF_PT_LOAD 1
#define ELF_PF_X 0x1
#define ELF_PF_W 0x2
#define ELF_PF_R 0x4
#define ELF_EI_CLASS 4
#define ELF_EI_DATA 5
#define ELF_EI_VERSION 6
#define ELF_NIDENT 16

#define ELF_LOAD_MAX 8 /* PT_LOAD segments a program may have */

struct elf64_ehdr {
	uint8_t e_ident[ELF_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

/*
 * elf_check - is [@data, @data + @size) an executable Mango can load
 * into [@lo, @hi) of the user half? KERN_OK, or KERN_INVALID_ARGUMENT
 * with the first problem in @why (@why_len bytes): not ELF, not 64-bit
 * little-endian x86-64, not an executable, program headers outside the
 * file, no or too many PT_LOAD segments, a segment whose bytes lie
 * outside the file, whose memory size is below its file size, that wraps
 * or leaves [@lo, @hi), whose address and offset disagree modulo the page
 * size, that overlaps another, that is writable and executable; an entry
 * point outside every executable segment. @data must be 8-byte aligned.
 */
kern_status_t elf_check(const void *data, size_t size, uintptr_t lo, uintptr_t hi, char *why,
			size_t why_len);

/* elf_loadable - does @ph ask for memory? A PT_LOAD of memory size 0
 * (linkers emit one for an empty data segment) asks for nothing. */
static inline bool elf_loadable(const struct elf64_phdr *ph)
{
	return ph->p_type == ELF_PT_LOAD && ph->p_memsz != 0;
}

/* elf_phdr - the @i-th program header of a checked image. */
const struct elf64_phdr *elf_phdr(const void *data, unsigned i);

#endif /* MANGO_ELF_H_ */
