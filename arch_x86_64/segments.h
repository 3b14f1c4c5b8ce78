/* The host GDT's layout, shared by boot.S and C. Long mode ignores most of
 * a segment, but still wants a 64-bit code descriptor (L=1), a data
 * descriptor and a TSS; VM entry also insists on a non-zero host TR. The
 * trap-and-emulate back end runs its guest on the two ring-3 segments. */
#pragma once

#define KERNEL_CS32	0x08	/* 32-bit code, only while booting */
#define KERNEL_CS64	0x10	/* 64-bit code (L=1) */
#define KERNEL_DS	0x18	/* flat data */
#define KERNEL_TSS	0x20	/* 64-bit TSS: a 16-byte descriptor, two slots */
#define USER_DS		0x30	/* flat data, DPL 3 */
#define USER_CS64	0x38	/* 64-bit code, DPL 3 */
#define RPL_USER	3	/* selector bits 1:0: requested privilege level 3 */
