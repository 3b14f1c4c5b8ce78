/* raw-boot: a bare-metal program for QEMU's virt board, built the way such
 * tests are (a raw binary linked at RAM base + 0x80000), and booted as QEMU
 * boots `-kernel FILE` when FILE has no Image header: loaded there, entered
 * at its first byte with the device tree's address in x0 and x1-x3 zero.
 * It says what it was given, reading the device tree itself, and powers
 * off through the PSCI conduit the tree names ("smc" under the hypervisor,
 * "hvc" under QEMU alone). tests/test_raw_kernel.py runs it both ways:
 * `./lab boot --kernel build/arm64/kernels/raw-boot.bin [--append ARGS]`. */
#include "guest.h"

#define FDT_MAGIC		0xd00dfeed
#define FDT_BEGIN_NODE		1
#define FDT_END_NODE		2
#define FDT_PROP		3
#define FDT_NOP			4
#define FDT_END			9
#define PSCI_SYSTEM_OFF		0x84000008
#define CURRENT_EL(v)		FIELD(v, 3, 2)

struct fdt_header {		/* big-endian, at the tree's first byte */
	u32 magic, totalsize, off_dt_struct, off_dt_strings;
};

static u32 be32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool starts_with(const char *s, const char *prefix)
{
	while (*prefix && *s == *prefix)
		s++, prefix++;
	return !*prefix;
}

/* The value of property `prop` of a top-level node whose name starts with
 * `node` (a walk of the structure block: Devicetree Specification, 5.4);
 * NULL if there is none. `node_name` gets the node's full name. */
static const char *fdt_find(const u8 *fdt, const char *node, const char *prop,
			    const char **node_name)
{
	const struct fdt_header *h = (const void *)fdt;
	const u8 *p = fdt + be32(&h->off_dt_struct);
	const char *strings = (const char *)fdt + be32(&h->off_dt_strings);
	const char *name = "";
	int depth = 0;

	for (;;) {
		u32 token = be32(p);

		p += 4;
		if (token == FDT_BEGIN_NODE) {
			const char *n = (const char *)p;
			u64 len = 0;

			while (n[len])
				len++;
			p += (len + 4) & ~3ULL;		/* the name, its NUL, padded */
			if (++depth == 2)
				name = n;
		} else if (token == FDT_END_NODE) {
			depth--;
		} else if (token == FDT_PROP) {
			u32 len = be32(p), nameoff = be32(p + 4);
			const char *value = (const char *)p + 8;

			p += 8 + ((len + 3) & ~3U);
			if (depth == 2 && starts_with(name, node) && str_eq(strings + nameoff, prop)) {
				*node_name = name;
				return value;
			}
		} else if (token != FDT_NOP) {
			return NULL;			/* FDT_END, or not a tree */
		}
	}
}

static void power_off(const char *method)
{
	if (method && str_eq(method, "hvc"))
		hypercall(PSCI_SYSTEM_OFF, 0, 0, 0);	/* an HVC, with PSCI's function ID */
	else
		smc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}

void kernel_main(u64 x0, u64 x1, u64 x2, u64 x3, u64 entry)
{
	const u8 *fdt = (const u8 *)x0;
	const char *node = NULL, *method = NULL, *bootargs;
	bool is_fdt = x0 && be32(fdt) == FDT_MAGIC;

	printf("raw: entered at 0x%lx, at EL%lu, x0 = 0x%lx\n", entry,
	       CURRENT_EL(sysreg_read(CurrentEL)), x0);
	check(is_fdt, "x0 holds the address of a device tree (magic 0x%x)", FDT_MAGIC);
	check(x1 == 0 && x2 == 0 && x3 == 0, "x1, x2 and x3 are zero");
	if (is_fdt) {
		method = fdt_find(fdt, "psci", "method", &node);
		bootargs = fdt_find(fdt, "chosen", "bootargs", &node);
		if (bootargs)
			printf("raw: /chosen bootargs = \"%s\"\n", bootargs);
		else
			printf("raw: /chosen has no bootargs\n");
		printf("raw: /psci method = \"%s\"\n", method ? method : "(none)");
	}
	summary();
	power_off(method);
}
