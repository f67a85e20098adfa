/* Basic types and helpers shared by the hypervisor and its host unit tests. */
#ifndef HV_LIB_TYPES_H
#define HV_LIB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;

#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))
#define BIT(n)             (1UL << (n))
#define ALIGN_UP(x, a)     (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)   ((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b)          ((a) < (b) ? (a) : (b))
#define MAX(a, b)          ((a) > (b) ? (a) : (b))

#define PAGE_SIZE          4096UL
#define PAGE_SHIFT         12
#define KiB                1024UL
#define MiB                (1024UL * KiB)
#define GiB                (1024UL * MiB)

#define __packed           __attribute__((packed))
#define __aligned(n)       __attribute__((aligned(n)))
#define __noreturn         __attribute__((noreturn))
#define __printf(f, a)     __attribute__((format(printf, f, a)))

#endif
