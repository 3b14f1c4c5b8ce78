/* Decoding the instruction that touched an emulated device. On an EPT
 * violation or a nested page fault, x86 hardware (unlike Arm's ISV syndrome)
 * says only which address was touched, not how: the hypervisor reads the
 * instruction at the guest's RIP and decodes it. This decoder knows the MOV
 * forms that move data between a register and memory, which is what device
 * drivers (and guests/x86_64/lib/mmio.h) use. */
#include "backend.h"
#include "exit.h"
#include "vm.h"
#include "x86.h"
#include "x86_exit.h"

#define MAX_INSN_LEN	15
#define PTE_PRESENT	BIT(0)
#define PTE_LARGE	BIT(7)
#define PTE_ADDR	MASK(51, 12)

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

/* Guest-virtual to guest-physical, through the guest's own 4-level page
 * tables. Every table is read with vm_guest_ptr(): a guest can point its
 * CR3 anywhere, and the hypervisor follows only pointers into its RAM. */
static bool guest_translate(struct vm *vm, u64 cr3, u64 gva, u64 *gpa)
{
	u64 table = cr3 & PTE_ADDR;

	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		u64 *entry = vm_guest_ptr(vm, table + ((gva >> shift) & 511) * 8, 8);
		if (!entry || !(*entry & PTE_PRESENT))
			return false;
		if (level == 1 || (level <= 3 && (*entry & PTE_LARGE))) {
			u64 page = *entry & PTE_ADDR & ~(BIT(shift) - 1);
			*gpa = page | (gva & (BIT(shift) - 1));
			return true;
		}
		table = *entry & PTE_ADDR;
	}
	return false;
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

/* Fill in size, direction, register, value and length of an MMIO exit;
 * leaves e->size 0 when the instruction is not one it knows. */
void x86_decode_mmio(struct vcpu *vcpu, struct exit *e)
{
	struct x86_guest_state s;
	u8 insn[MAX_INSN_LEN] = { 0 };
	unsigned i = 0, size = 4, rex = 0;

	e->size = 0;
	backend->read_state(vcpu, &s);
	unsigned fetched = fetch(vcpu, &s, insn);
	if (insn[i] == PREFIX_OPSIZE)
		size = 2, i++;
	if (insn[i] >= REX_MIN && insn[i] <= REX_MAX)
		rex = insn[i++];
	if (rex & REX_W)
		size = 8;

	u8 op = insn[i++], modrm = insn[i];
	if (op != OP_MOV_RM8_R8 && op != OP_MOV_RM_R && op != OP_MOV_R8_RM8 && op != OP_MOV_R_RM)
		return;
	if (MODRM_MOD(modrm) == MOD_REGISTER)
		return;
	if (op == OP_MOV_RM8_R8 || op == OP_MOV_R8_RM8) {
		if (!rex && MODRM_REG(modrm) >= 4)
			return;		/* AH, CH, DH, BH: not worth a special case */
		size = 1;
	}
	unsigned len = i + operand_length(&insn[i]);
	if (len > fetched)
		return;
	e->size = size;
	e->insn_len = len;
	e->write = op == OP_MOV_RM8_R8 || op == OP_MOV_RM_R;
	e->reg = MODRM_REG(modrm) | (rex & REX_R ? 8 : 0);
	e->value = x86_read_gpr(vcpu, e->reg) & (size == 8 ? ~0ULL : BIT(8 * size) - 1);
}

#define OP_TWO_BYTE	0x0f
#define OP_MOV_FROM_CR	0x20	/* 0F 20 /r: MOV r64, CRn */
#define OP_MOV_TO_CR	0x22	/* 0F 22 /r: MOV CRn, r64 */
#define REX_B		BIT(0)

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
