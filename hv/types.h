/* Fixed-width types and small helpers used everywhere in the hypervisor.
 * The hypervisor is freestanding: only the compiler's own headers are used. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int32_t s32;
typedef int64_t s64;

#define BIT(n)             ((u64)1 << (n))
#define MASK(hi, lo)       ((~(u64)0 >> (63 - (hi))) & ~(BIT(lo) - 1))
#define FIELD(v, hi, lo)   (((v) & MASK(hi, lo)) >> (lo))
#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)     (((x) + (a) - 1) & ~((u64)(a) - 1))
#define IS_ALIGNED(x, a)   (((x) & ((a) - 1)) == 0)
#define KiB                ((u64)1024)
#define MiB                (1024ULL * KiB)
#define GiB                (1024ULL * MiB)
#define PAGE_SIZE          (4 * KiB)
#define USEC_PER_SEC       1000000ULL

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
size_t strlen(const char *s);
