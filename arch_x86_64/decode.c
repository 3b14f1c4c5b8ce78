/* Decoding the instruction that touched an emulated device. On an EPT
 * violation or a nested page fault, x86 hardware (unlike Arm's ISV syndrome)
 * says only which address was touched, not how: the hypervisor reads the
 * instruction at the guest's RIP and decodes it. This decoder knows the MOV
 * forms that move data between a register and memory, which is what device
 * drivers (and guests/x86_64/lib/mmio.h) use. */
#include "backend.h"
#include "exit.h"
#include "guest_paging.h"
#include "vm.h"
#include "x86.h"
#include "x86_exit.h"

#define MAX_INSN_LEN	15

#define PREFIX_OPSIZE	0x66	/* operand size 16 */
#define REX_MIN		0x40	/* 0x40-0x4f: REX.W R X B in bits 3..0 */
#define REX_MAX		0x4f
#define REX_W		BIT(3)
#define REX_R		BIT(2)
#define OP_MOV_RM8_R8	0x88	/* store a byte register */
#define OP_MOV_RM_R	0x89	/* store a register */
#define OP_MOV_R8_RM8	0x8a	/* load a byte register */
#define OP_MOV_R_RM	0x8b	/* load a register */
#define MODRM_MOD(b)	((b) >> 6)
#define MODRM_REG(b)	(((b) >> 3) & 7)
#define MODRM_RM(b)	((b) & 7)
#define MOD_REGISTER	3	/* not a memory operand */
#define RM_SIB		4
#define RM_DISP32	5	/* with mod 0: RIP-relative disp32 */
#define SIB_BASE(b)	((b) & 7)

/* Guest-virtual to guest-physical, through the guest's own tables. */
static bool guest_translate(struct vm *vm, u64 cr3, u64 gva, u64 *gpa)
{
	struct guest_walk w;

	if (guest_walk(vm, cr3, gva, &w))
		return false;
	*gpa = w.gpa;
	return true;
}

/* Copy up to MAX_INSN_LEN bytes from the guest's RIP, a page at a time;
 * returns how many could be read (the instruction may end before an
 * unmapped page). */
static unsigned fetch(struct vcpu *vcpu, const struct x86_guest_state *s, u8 *insn)
{
	unsigned got = 0;

	while (got < MAX_INSN_LEN) {
		u64 gva = s->rip + got, gpa = gva;
		unsigned chunk = PAGE_SIZE - (gva & (PAGE_SIZE - 1));

		if (chunk > MAX_INSN_LEN - got)
			chunk = MAX_INSN_LEN - got;
		if ((s->cr0 & CR0_PG) && !guest_translate(vcpu->vm, s->cr3, gva, &gpa))
			break;
		const u8 *p = vm_guest_ptr(vcpu->vm, gpa, chunk);
		if (!p)
			break;
		if (chunk == MAX_INSN_LEN)	/* all on one page: a copy of known size, */
			__builtin_memcpy(insn, p, MAX_INSN_LEN);	/* a few moves */
		else
			memcpy(insn + got, p, chunk);
		got += chunk;
	}
	return got;
}

/* Bytes taken by the ModRM byte's memory operand (ModRM, SIB, displacement). */
static unsigned operand_length(const u8 *p)
{
	u8 modrm = p[0];
	unsigned len = 1;

	if (MODRM_RM(modrm) == RM_SIB) {
		len++;
		if (MODRM_MOD(modrm) == 0 && SIB_BASE(p[1]) == RM_DISP32)
			len += 4;
	} else if (MODRM_MOD(modrm) == 0 && MODRM_RM(modrm) == RM_DISP32) {
		len += 4;
	}
	if (MODRM_MOD(modrm) == 1)
		len += 1;
	else if (MODRM_MOD(modrm) == 2)
		len += 4;
	return len;
}

/* A MOV between a register and memory, taken apart. */
struct mov_insn {
	u8 bytes[MAX_INSN_LEN];
	unsigned modrm;		/* index of the ModRM byte in bytes[] */
	unsigned len, rex, size;
	bool write;
	unsigned reg;
};

static bool decode_mov(struct vcpu *vcpu, const struct x86_guest_state *s, struct mov_insn *m)
{
	unsigned i = 0, fetched;

	memset(m, 0, sizeof(*m));
	if (!(s->efer & EFER_LMA))
		return false;	/* it decodes 64-bit code only (0x40-0x4f are REX there) */
	fetched = fetch(vcpu, s, m->bytes);
	m->size = 4;
	if (m->bytes[i] == PREFIX_OPSIZE)
		m->size = 2, i++;
	if (m->bytes[i] >= REX_MIN && m->bytes[i] <= REX_MAX)
		m->rex = m->bytes[i++];
	if (m->rex & REX_W)
		m->size = 8;

	u8 op = m->bytes[i++], modrm = m->bytes[i];
	if (op != OP_MOV_RM8_R8 && op != OP_MOV_RM_R && op != OP_MOV_R8_RM8 && op != OP_MOV_R_RM)
		return false;
	if (MODRM_MOD(modrm) == MOD_REGISTER)
		return false;
	if (op == OP_MOV_RM8_R8 || op == OP_MOV_R8_RM8) {
		if (MODRM_REG(modrm) >= 4 && MODRM_REG(modrm) <= 7 && !m->rex)
			return false;	/* AH..BH: not worth a special case. With any
					 * REX prefix, 4-7 are SPL..DIL, the low bytes */
		m->size = 1;
	}
	m->modrm = i;
	m->len = i + operand_length(&m->bytes[i]);
	m->write = op == OP_MOV_RM8_R8 || op == OP_MOV_RM_R;
	m->reg = MODRM_REG(modrm) | (m->rex & REX_R ? 8 : 0);
	if (m->reg == REG_NUM_RSP)
		return false;	/* the stack pointer lives in the VMCS/VMCB, not regs */
	return m->len <= fetched;
}

#define REX_X		BIT(1)
#define REX_B		BIT(0)
#define SIB_SCALE(b)	((b) >> 6)
#define SIB_INDEX(b)	(((b) >> 3) & 7)
#define NO_INDEX	4	/* SIB index 100 without REX.X: none */

static u64 reg_value(struct vcpu *vcpu, const struct x86_guest_state *s, unsigned n)
{
	return n == REG_NUM_RSP ? s->rsp : x86_read_gpr(vcpu, n);
}

static s64 displacement(const u8 *p, unsigned bytes)
{
	if (bytes == 1)
		return (s8)p[0];
	return (s32)(p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24);
}

/* The linear address a MOV's memory operand names: base + index * scale +
 * displacement, or RIP-relative (segment bases are 0 in 64-bit mode). */
static u64 operand_address(struct vcpu *vcpu, const struct x86_guest_state *s,
			   const struct mov_insn *m)
{
	const u8 *p = &m->bytes[m->modrm];
	unsigned mod = MODRM_MOD(p[0]), rm = MODRM_RM(p[0]);
	unsigned disp_at = 1, disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	u64 address = 0;

	if (rm == RM_SIB) {
		u8 sib = p[1];
		unsigned index = SIB_INDEX(sib) | (m->rex & REX_X ? 8 : 0);
		unsigned base = SIB_BASE(sib) | (m->rex & REX_B ? 8 : 0);
		disp_at = 2;
		if (index != NO_INDEX)
			address += reg_value(vcpu, s, index) << SIB_SCALE(sib);
		if (mod == 0 && SIB_BASE(sib) == RM_DISP32)
			disp_bytes = 4;		/* no base, a 32-bit displacement */
		else
			address += reg_value(vcpu, s, base);
	} else if (mod == 0 && rm == RM_DISP32) {
		address = s->rip + m->len;	/* RIP-relative */
		disp_bytes = 4;
	} else {
		address = reg_value(vcpu, s, rm | (m->rex & REX_B ? 8 : 0));
	}
	if (disp_bytes)
		address += displacement(&p[disp_at], disp_bytes);
	return address;
}

/* Fill in size, direction, register, value and length of an MMIO exit;
 * leaves e->size 0 when the instruction is not one it knows. */
void x86_decode_mmio(struct vcpu *vcpu, struct exit *e)
{
	struct x86_guest_state s;
	struct mov_insn m;

	e->size = 0;
	backend->read_state(vcpu, &s);
	if (!decode_mov(vcpu, &s, &m))
		return;
	e->size = m.size;
	/* An access crossing from one page into the next faults on the page
	 * that has no RAM, and the exit names that page's part: the address
	 * of its first byte comes from the instruction's own operand, so that
	 * the core sees the whole access (and refuses it, if not all device). */
	e->addr -= (e->addr - operand_address(vcpu, &s, &m)) & (PAGE_SIZE - 1);
	e->insn_len = m.len;
	e->write = m.write;
	e->reg = m.reg;
	if (m.write)	/* a load's register is written, not read */
		e->value = x86_read_gpr(vcpu, e->reg) & (m.size == 8 ? ~0ULL : BIT(8 * m.size) - 1);
}

/* The same, for AMD-V without decode assists, whose nested page fault on
 * a guest page walk reports no linear address. */
bool x86_decode_linear_address(struct vcpu *vcpu, u64 *linear)
{
	struct x86_guest_state s;
	struct mov_insn m;

	backend->read_state(vcpu, &s);
	if (!decode_mov(vcpu, &s, &m))
		return false;
	*linear = operand_address(vcpu, &s, &m);
	return true;
}

#define OP_TWO_BYTE	0x0f
#define OP_MOV_FROM_CR	0x20	/* 0F 20 /r: MOV r64, CRn */
#define OP_MOV_TO_CR	0x22	/* 0F 22 /r: MOV CRn, r64 */

/* The bytes of the instruction at RIP: with only a REX prefix allowed,
 * which is all these instructions need. Returns how many were read. */
static unsigned fetch_current(struct vcpu *vcpu, u8 *insn, unsigned *i, unsigned *rex)
{
	struct x86_guest_state s;

	backend->read_state(vcpu, &s);
	unsigned fetched = fetch(vcpu, &s, insn);
	*i = 0, *rex = 0;
	if (fetched && insn[0] >= REX_MIN && insn[0] <= REX_MAX)
		*rex = insn[(*i)++];
	return fetched;
}

/* MOV to or from a control register (0F 22 / 0F 20, register operand
 * only): which register, which direction, how long. For AMD-V without
 * decode assists, which reports a CR access but not the register. */
bool x86_decode_mov_cr(struct vcpu *vcpu, unsigned *gpr, bool *to_cr, u8 *len)
{
	u8 insn[MAX_INSN_LEN] = { 0 };
	unsigned i, rex, fetched = fetch_current(vcpu, insn, &i, &rex);

	if (fetched < i + 3 || insn[i] != OP_TWO_BYTE ||
	    (insn[i + 1] != OP_MOV_TO_CR && insn[i + 1] != OP_MOV_FROM_CR) ||
	    MODRM_MOD(insn[i + 2]) != MOD_REGISTER)
		return false;
	*to_cr = insn[i + 1] == OP_MOV_TO_CR;
	*gpr = MODRM_RM(insn[i + 2]) | (rex & REX_B ? 8 : 0);
	*len = i + 3;
	return true;
}

/* The length of a 0F-prefixed instruction with a ModRM operand, such as
 * INVLPG (0F 01 /7); 0 when it cannot be read. */
u8 x86_length_0f_modrm(struct vcpu *vcpu)
{
	u8 insn[MAX_INSN_LEN] = { 0 };
	unsigned i, rex, fetched = fetch_current(vcpu, insn, &i, &rex);

	if (fetched < i + 3 || insn[i] != OP_TWO_BYTE)
		return 0;
	unsigned len = i + 2 + operand_length(&insn[i + 2]);
	return len <= fetched ? len : 0;
}

#define OP_INT1		0xf1	/* INT1 (ICEBP) */
#define OP_INT3		0xcc
#define OP_INT_IMM8	0xcd	/* INT n */
#define OP_INTO		0xce

/* Whether the instruction at RIP is a software interrupt (INT n, INT3,
 * INTO, INT1): one that raises its event again, and any exception its
 * delivery met, when it runs again (SDM Vol. 2A, INT n; APM Vol. 3). */
bool x86_software_interrupt_at_rip(struct vcpu *vcpu)
{
	u8 insn[MAX_INSN_LEN] = { 0 };
	unsigned i, rex, fetched = fetch_current(vcpu, insn, &i, &rex);

	if (fetched <= i)
		return false;
	return insn[i] == OP_INT_IMM8 || insn[i] == OP_INT3 || insn[i] == OP_INTO || insn[i] == OP_INT1;
}

/* Legacy prefixes (SDM Vol. 2A, 2.1.1): segment overrides, operand and
 * address size, LOCK, REP/REPNE. */
static bool legacy_prefix(u8 b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	default:
		return false;
	}
}

/* Legacy prefixes, then a REX; 0 if the bytes end before an opcode. */
static u8 count_prefixes(const u8 *insn, unsigned available)
{
	unsigned n = 0;

	while (n < available && legacy_prefix(insn[n]))
		n++;
	if (n < available && insn[n] >= REX_MIN && insn[n] <= REX_MAX)
		n++;
	return n < available ? n : 0;
}

/* The code page kept in the vCPU is the one a walk would find: same CR3,
 * same page, every entry that walk read holding what it held. */
static bool kept(const struct x86_code_page *c, u64 cr3, u64 page)
{
	if (!c->host || c->cr3 != cr3 || c->page != page)
		return false;
	for (unsigned i = 0; i < c->levels; i++)
		if (*c->entries[i] != c->values[i])
			return false;
	return true;
}

/* A walk to the code page, kept in the vCPU for the next exit; an
 * instruction across two pages is copied instead. */
static __attribute__((noinline)) u8 prefix_length_walk(struct vcpu *vcpu, u64 rip, u64 cr3)
{
	struct x86_code_page *c = &vcpu->arch.code_page;
	unsigned offset = rip & (PAGE_SIZE - 1);
	struct x86_guest_state s;
	struct guest_walk w;
	u8 copy[MAX_INSN_LEN];
	const u8 *host;

	c->host = NULL;
	if (offset <= PAGE_SIZE - MAX_INSN_LEN && !guest_walk(vcpu->vm, cr3, rip, &w) &&
	    (host = vm_guest_ptr(vcpu->vm, w.gpa & ~(PAGE_SIZE - 1), PAGE_SIZE))) {
		for (unsigned i = 0; i < w.levels; i++)
			c->entries[i] = w.entries[i], c->values[i] = *w.entries[i];
		c->levels = w.levels, c->cr3 = cr3, c->page = rip - offset, c->host = host;
		return count_prefixes(host + offset, MAX_INSN_LEN);
	}
	backend->read_state(vcpu, &s);
	return count_prefixes(copy, fetch(vcpu, &s, copy));
}

/* How many prefix bytes stand before the opcode at RIP. For AMD-V without
 * next-RIP save, whose exits name an instruction of fixed length (VMMCALL,
 * CPUID, RDMSR, WRMSR, HLT, INVD) but not how many prefixes it carried.
 * It runs on every such exit, so the code page is kept in the vCPU between
 * exits (struct x86_code_page). 64-bit code only (elsewhere 0x40-0x4f are
 * INC/DEC and the code segment has a base): 0 outside long mode. The
 * caller passes the guest's RIP, CR3 and EFER, which it has at hand. */
u8 x86_prefix_length(struct vcpu *vcpu, u64 rip, u64 cr3, u64 efer)
{
	const struct x86_code_page *c = &vcpu->arch.code_page;
	unsigned offset = rip & (PAGE_SIZE - 1);

	if (!(efer & EFER_LMA))
		return 0;
	if (offset <= PAGE_SIZE - MAX_INSN_LEN && kept(c, cr3, rip - offset))
		return count_prefixes(c->host + offset, MAX_INSN_LEN);
	return prefix_length_walk(vcpu, rip, cr3);
}
