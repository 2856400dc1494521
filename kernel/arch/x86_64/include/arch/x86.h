/*
 * arch/x86.h - names for x86-64 hardware bits (Intel SDM vol. 3).
 *
 * Usable from C and from assembly: everything here is a plain #define.
 * No other file in Mango writes a control-register or page-table bit as
 * a bare number.
 */
#ifndef ARCH_X86_H_
#define ARCH_X86_H_

/* Integer constants with a C suffix that the assembler does not accept. */
#ifdef __ASSEMBLER__
#define _AC(x, suffix) x
#else
#define _AC(x, suffix) x##suffix
#endif
#define BIT(n) (_AC(1, u) << (n))
#define BIT64(n) (_AC(1, ull) << (n))

/* CR0 (SDM 2.5) */
#define X86_CR0_PE BIT(0)  /* protected mode enable */
#define X86_CR0_WP BIT(16) /* supervisor writes honour read-only PTEs */
#define X86_CR0_PG BIT(31) /* paging */

/* CR4 (SDM 2.5) */
#define X86_CR4_PAE BIT(5)
#define X86_CR4_PGE BIT(7)

/* Model-specific registers */
#define MSR_EFER _AC(0xC0000080, u)
#define EFER_SCE BIT(0)  /* syscall/sysret */
#define EFER_LME BIT(8)  /* long mode enable */
#define EFER_NXE BIT(11) /* no-execute bit in page tables */

/* SYSCALL/SYSRET (SDM vol. 2B "SYSCALL", "SYSRET"; vol. 3A 5.8.8): SYSCALL
 * loads CS from STAR[47:32] and SS from that + 8; 64-bit SYSRET loads CS
 * from STAR[63:48] + 16 and SS from STAR[63:48] + 8, both with RPL 3.
 * LSTAR holds the entry point; the RFLAGS bits set in SFMASK are cleared
 * on entry. */
#define MSR_STAR _AC(0xC0000081, u)
#define MSR_LSTAR _AC(0xC0000082, u)
#define MSR_SFMASK _AC(0xC0000084, u)
#define STAR_SYSCALL_CS_SHIFT 32
#define STAR_SYSRET_BASE_SHIFT 48
#define STAR_SYSRET_CS_OFFSET 16 /* SYSRET's CS = base + 16 */
#define STAR_SYSRET_SS_OFFSET 8  /* SYSRET's SS = base + 8 */

/* CPUID */
#define CPUID_EXT_MAX _AC(0x80000000, u)
#define CPUID_EXT_FEATURES _AC(0x80000001, u)
#define CPUID_EXT_EDX_LM BIT(29) /* long mode */
#define CPUID_EXT_EDX_NX BIT(20) /* no-execute */
#define CPUID_EXT_EDX_PDPE1GB BIT(26) /* 1 GiB pages */

/* RFLAGS (SDM vol. 1 3.4.3) */
#define X86_RFLAGS_CF BIT(0)
#define X86_RFLAGS_RESERVED1 BIT(1) /* always 1 */
#define X86_RFLAGS_PF BIT(2)
#define X86_RFLAGS_AF BIT(4)
#define X86_RFLAGS_ZF BIT(6)
#define X86_RFLAGS_SF BIT(7)
#define X86_RFLAGS_TF BIT(8)  /* single step */
#define X86_RFLAGS_IF BIT(9)  /* interrupts enabled */
#define X86_RFLAGS_DF BIT(10) /* string direction */
#define X86_RFLAGS_OF BIT(11)
#define X86_RFLAGS_IOPL (_AC(3, u) << 12) /* I/O privilege level */
#define X86_RFLAGS_NT BIT(14) /* nested task */
#define X86_RFLAGS_AC BIT(18) /* alignment check / SMAP override */
/* what user mode may keep of its own flags: the arithmetic ones and DF */
#define X86_RFLAGS_USER (X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | \
			 X86_RFLAGS_SF | X86_RFLAGS_DF | X86_RFLAGS_OF)

/* Page-table entry bits, every level (SDM 4.5) */
#define PTE_P BIT64(0)   /* present */
#define PTE_W BIT64(1)   /* writable */
#define PTE_U BIT64(2)   /* user accessible */
#define PTE_PWT BIT64(3) /* write-through */
#define PTE_PCD BIT64(4) /* cache disable */
#define PTE_A BIT64(5)   /* accessed */
#define PTE_D BIT64(6)   /* dirty */
#define PTE_PS BIT64(7)  /* large page (in a PD or PDPT entry) */
#define PTE_G BIT64(8)   /* global */
#define PTE_NX BIT64(63) /* no execute (needs EFER.NXE) */
#define PTE_ADDR_MASK _AC(0x000FFFFFFFFFF000, ull)

/* Paging geometry: 4 levels of 512 entries */
#define PAGE_SHIFT 12
#define PAGE_SIZE (_AC(1, ull) << PAGE_SHIFT)
#define LARGE_PAGE_SHIFT 21
#define LARGE_PAGE_SIZE (_AC(1, ull) << LARGE_PAGE_SHIFT) /* 2 MiB */
#define HUGE_PAGE_SHIFT 30
#define HUGE_PAGE_SIZE (_AC(1, ull) << HUGE_PAGE_SHIFT) /* 1 GiB */
#define PT_ENTRIES 512
#define PML4_SHIFT 39
#define PDPT_SHIFT 30
#define PD_SHIFT 21
#define PT_SHIFT 12
#define PT_INDEX_MASK _AC(0x1FF, ull)
#define PT_INDEX_BITS 9
#define PT_LEVELS 4 /* PML4, PDPT, PD, PT */

/* Page-fault error code (SDM 4.7) */
#define PF_ERR_P BIT(0)     /* 0: not present, 1: protection violation */
#define PF_ERR_W BIT(1)     /* 0: read, 1: write */
#define PF_ERR_U BIT(2)     /* 0: supervisor, 1: user mode */
#define PF_ERR_RSVD BIT(3)  /* reserved bit set in a paging entry */
#define PF_ERR_I BIT(4)     /* instruction fetch */
#define PF_ERR_PK BIT(5)    /* protection key */

/* Segment selectors (see gdt.c for the table they index) */
#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA 0x18
#define GDT_USER_CODE 0x20
#define GDT_TSS 0x28
#define SEL_RPL_USER 3 /* requested privilege level 3 (SDM 3.4.2) */
#define SEL_RPL_MASK 3 /* a selector's RPL bits; in a saved CS, the CPL */
#define USER_CS (GDT_USER_CODE | SEL_RPL_USER)
#define USER_SS (GDT_USER_DATA | SEL_RPL_USER)

/* Segment descriptor bits (SDM 3.4.5) */
#define SEG_ACCESSED BIT64(40)
#define SEG_RW BIT64(41)     /* readable code / writable data */
#define SEG_CODE BIT64(43)   /* executable */
#define SEG_S BIT64(44)      /* code or data (not system) */
#define SEG_DPL3 (_AC(3, ull) << 45)
#define SEG_P BIT64(47)      /* present */
#define SEG_L BIT64(53)      /* 64-bit code */
#define SEG_DB BIT64(54)     /* 32-bit default operand size */
#define SEG_G BIT64(55)      /* 4 KiB granularity */
#define SEG_LIMIT_MAX _AC(0x000F00000000FFFF, ull)

/* Exception vectors (SDM 6.3.1) */
#define T_DIVIDE 0
#define T_DEBUG 1
#define T_NMI 2
#define T_BREAKPOINT 3
#define T_OVERFLOW 4
#define T_BOUND 5
#define T_INVALID_OPCODE 6
#define T_DEVICE_NA 7
#define T_DOUBLE_FAULT 8
#define T_COPROC_SEG 9
#define T_INVALID_TSS 10
#define T_SEG_NOT_PRESENT 11
#define T_STACK_FAULT 12
#define T_GPF 13
#define T_PAGE_FAULT 14
#define T_X87_FPU 16
#define T_ALIGNMENT 17
#define T_MACHINE_CHECK 18
#define T_SIMD 19
#define T_VIRT 20
#define T_CONTROL_PROT 21
#define T_NUM_EXCEPTIONS 32
/* not a vector: the frame syscall_entry builds, for the same struct */
#define T_SYSCALL T_NUM_VECTORS
#define T_IRQ_BASE 32 /* legacy PIC IRQ 0..15 land at 32..47 */
#define T_NUM_VECTORS 256

/* Legacy IRQ lines */
#define IRQ_TIMER 0
#define IRQ_COM2 3
#define IRQ_COM1 4
#define IRQ_SPURIOUS_MASTER 7

/* IST slots in the TSS (1-based as the IDT encodes them) */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2

#endif /* ARCH_X86_H_ */
