/* Which vector entry an exception came through; shared by vectors.S and C. */
#pragma once
#define VEC_SYNC	0
#define VEC_IRQ		1
#define VEC_FIQ		2
#define VEC_SERROR	3
