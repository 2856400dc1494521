/*
 * mango/types.h - fixed-width types and the address types.
 *
 * phys_addr_t is an integer: a physical address cannot be dereferenced.
 * Kernel virtual addresses are pointers (or uintptr_t when doing
 * arithmetic). Converting between the two goes through <arch/mmu.h>
 * (phys_to_virt / virt_to_phys), never through a cast.
 */
#ifndef MANGO_TYPES_H_
#define MANGO_TYPES_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t phys_addr_t;
#ifdef MANGO_HOST
#include <sys/types.h> /* host tests: the C library's ssize_t and off_t */
#else
typedef int64_t ssize_t;
typedef int64_t off_t;
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* #ifndef: a host build may include a C library that has some of these */
#ifndef __noreturn
#define __noreturn __attribute__((noreturn))
#endif
#ifndef __printf
#define __printf(f, a) __attribute__((format(printf, f, a)))
#endif
#ifndef __used
#define __used __attribute__((used))
#endif
#ifndef __section
#define __section(s) __attribute__((section(s)))
#endif
#ifndef __aligned
#define __aligned(n) __attribute__((aligned(n)))
#endif
#ifndef __packed
#define __packed __attribute__((packed))
#endif
#ifndef __unused
#define __unused __attribute__((unused))
#endif

#define KiB (1024ull)
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

#endif /* MANGO_TYPES_H_ */
