/* The three C library routines the compiler may call on its own (struct
 * copies, zeroing): a freestanding program has to provide them itself. */
#include "types.h"

#define WORD sizeof(u64)

/* Both work a 64-bit word at a time while the addresses allow it: zeroing a
 * guest's RAM byte by byte would cost millions of instructions at boot. */
void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	u64 pattern = (u8)c * 0x0101010101010101ULL;

	for (; n && !IS_ALIGNED((u64)d, WORD); n--)
		*d++ = (u8)c;
	for (; n >= WORD; n -= WORD, d += WORD)
		*(u64 *)d = pattern;
	while (n--)
		*d++ = (u8)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (IS_ALIGNED((u64)d | (u64)s, WORD))
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(u64 *)d = *(const u64 *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}
