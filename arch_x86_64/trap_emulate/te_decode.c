/* Trap and emulate, the "emulate" half: which instruction faulted, from
 * its bytes at the guest's RIP. Port I/O, HLT, hypercalls, RDMSR/WRMSR and
 * page faults become the same `struct exit` VT-x and AMD-V produce, for the
 * portable core; CLI/STI, MOV to/from CRn, LGDT/LIDT/LLDT/LTR and CLTS
 * change only the virtual CPU state (te.h) and are finished here. */
#include "console.h"
#include "exit.h"
#include "te.h"
#include "x86.h"
#include "x86_exit.h"

/* Exception vectors (SDM Vol. 3A, 6.3.1, table 6-1) */
#define VECTOR_UD	6	/* invalid opcode */
#define VECTOR_GP	13	/* general protection */
#define VECTOR_PF	14	/* page fault */
#define PF_ERR_PRESENT	BIT(0)	/* #PF error code P: the page was there (protection) */
#define PF_ERR_WRITE	BIT(1)	/* W/R: a write */
#define PF_ERR_FETCH	BIT(4)	/* I/D: an instruction fetch */

#define MAX_INSN_LEN	15
#define PREFIX_OPSIZE	0x66
#define REX_MIN		0x40
#define REX_MAX		0x4f
#define REX_R		BIT(2)
#define REX_X		BIT(1)
#define REX_B		BIT(0)
#define OP_TWO_BYTE	0x0f
#define OP_HLT		0xf4
#define OP_CLI		0xfa
#define OP_STI		0xfb
#define OP_IN_IMM8	0xe4	/* e4 AL, e5 eAX; e6/e7 OUT; ec-ef the same with DX */
#define OP_OUT_DX_MAX	0xef
#define OP_IO_DX	BIT(3)	/* ec-ef: port in DX, not an imm8 */
#define OP_IO_OUT	BIT(1)	/* e6, e7, ee, ef: OUT */
#define OP_IO_WIDE	BIT(0)	/* e5, e7, ed, ef: 16 or 32 bits */
#define OP2_GROUP6	0x00	/* 0f 00 /2 LLDT, /3 LTR */
#define OP2_GROUP7	0x01	/* 0f 01 /2 LGDT, /3 LIDT; c1 VMCALL, d9 VMMCALL */
#define OP2_CLTS	0x06
#define OP2_MOV_FROM_CR	0x20
#define OP2_MOV_TO_CR	0x22
#define OP2_WRMSR	0x30
#define OP2_RDMSR	0x32
#define MODRM_VMCALL	0xc1
#define MODRM_VMMCALL	0xd9
#define GROUP6_LLDT	2
#define GROUP6_LTR	3
#define GROUP7_LGDT	2
#define GROUP7_LIDT	3
#define MODRM_MOD(b)	((b) >> 6)
#define MODRM_REG(b)	(((b) >> 3) & 7)
#define MODRM_RM(b)	((b) & 7)
#define MOD_REGISTER	3
#define RM_SIB		4
#define RM_DISP32	5
#define SIB_SCALE(b)	((b) >> 6)
#define SIB_INDEX(b)	(((b) >> 3) & 7)
#define SIB_BASE(b)	((b) & 7)
#define SIB_NO_INDEX	4
#define INSN_LEN_VMCALL	3
#define TABLE_REG_SIZE	10	/* LGDT/LIDT operand in 64-bit mode: limit, base */
#define SELECTOR_RPL	3	/* selector bits 1:0: the ring the guest ran in */
#define REPORT_BYTES	8	/* instruction bytes shown in a report */

/* One instruction as read from guest memory, with its prefixes skipped. */
struct insn {
	u8 bytes[MAX_INSN_LEN];
	unsigned fetched, at;	/* bytes readable; where the opcode starts */
	bool opsize;		/* 0x66 */
	u8 rex;
};

/* The guest's virtual addresses are its physical ones (te.c maps guest
 * RAM at its guest-physical addresses), so RIP indexes guest RAM. */
static void fetch(struct vcpu *vcpu, struct insn *in)
{
	u64 rip = te_vcpu(vcpu)->frame.rip;

	*in = (struct insn){ 0 };
	for (; in->fetched < MAX_INSN_LEN; in->fetched++) {
		u8 *p = vm_guest_ptr(vcpu->vm, rip + in->fetched, 1);
		if (!p)
			break;
		in->bytes[in->fetched] = *p;
	}
	if (in->bytes[in->at] == PREFIX_OPSIZE)
		in->opsize = true, in->at++;
	if (in->bytes[in->at] >= REX_MIN && in->bytes[in->at] <= REX_MAX)
		in->rex = in->bytes[in->at++];
}

static u64 *reg(struct vcpu *vcpu, unsigned n)
{
	if (n == REG_NUM_RSP)
		return &te_vcpu(vcpu)->frame.rsp;
	return &((u64 *)&vcpu->arch.regs)[n];
}

static s64 disp32(const u8 *p)
{
	return (int32_t)(p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24);
}

/* The address of a ModRM memory operand (SDM Vol. 2A, 2.1.5 and 2.2.1.6);
 * the operand's length goes to *len. */
static u64 effective_address(struct vcpu *vcpu, const struct insn *in, unsigned modrm_at,
			     unsigned *len)
{
	const u8 *p = &in->bytes[modrm_at];
	u8 modrm = p[0];
	u64 ea = 0;
	unsigned n = 1;

	if (MODRM_RM(modrm) == RM_SIB) {
		u8 sib = p[n++];
		if (SIB_INDEX(sib) != SIB_NO_INDEX || in->rex & REX_X)
			ea += *reg(vcpu, SIB_INDEX(sib) | (in->rex & REX_X ? 8 : 0)) << SIB_SCALE(sib);
		if (MODRM_MOD(modrm) == 0 && SIB_BASE(sib) == RM_DISP32)
			ea += disp32(&p[n]), n += 4;
		else
			ea += *reg(vcpu, SIB_BASE(sib) | (in->rex & REX_B ? 8 : 0));
	} else if (MODRM_MOD(modrm) == 0 && MODRM_RM(modrm) == RM_DISP32) {
		s64 disp = disp32(&p[1]);
		n += 4;	/* RIP-relative: from the end of this instruction */
		ea = te_vcpu(vcpu)->frame.rip + modrm_at + n + disp;
	} else {
		ea = *reg(vcpu, MODRM_RM(modrm) | (in->rex & REX_B ? 8 : 0));
	}
	if (MODRM_MOD(modrm) == 1)
		ea += (s64)(int8_t)p[n], n += 1;
	else if (MODRM_MOD(modrm) == 2)
		ea += disp32(&p[n]), n += 4;
	*len = n;
	return ea;
}

/* IN/OUT: port from imm8 or DX, data in AL/AX/EAX (SDM Vol. 2A, "IN"). */
static void decode_pio(struct vcpu *vcpu, const struct insn *in, u8 op, struct exit *e)
{
	unsigned len = in->at + 1;

	if (len + !(op & OP_IO_DX) > in->fetched)
		return;		/* the imm8 is not in guest RAM: stays unhandled */
	e->kind = EXIT_PIO;
	e->size = !(op & OP_IO_WIDE) ? 1 : in->opsize ? 2 : 4;
	e->write = op & OP_IO_OUT;
	if (op & OP_IO_DX)
		e->addr = (u16)vcpu->arch.regs.rdx;
	else
		e->addr = in->bytes[len++];
	e->reg = 0;	/* AL, AX or EAX */
	e->value = vcpu->arch.regs.rax & (BIT(8 * e->size) - 1);
	e->insn_len = len;
	te_vcpu(vcpu)->what = e->write ? "OUT" : "IN";
}

static u64 *control_register(struct te_vcpu *t, unsigned n)
{
	switch (n) {
	case 0: return &t->cr0;
	case 2: return &t->cr2;
	case 3: return &t->cr3;
	case 4: return &t->cr4;
	default: return NULL;
	}
}

/* MOV to/from CRn: only the virtual register changes. The real CR0/CR3/
 * CR4 stay the monitor's: a new guest CR3 does not change its mappings. */
static bool emulate_mov_cr(struct vcpu *vcpu, const struct insn *in, u8 op, unsigned *len)
{
	u8 modrm = in->bytes[in->at + 2];
	u64 *cr = control_register(te_vcpu(vcpu), MODRM_REG(modrm) | (in->rex & REX_R ? 8 : 0));
	u64 *gpr = reg(vcpu, MODRM_RM(modrm) | (in->rex & REX_B ? 8 : 0));

	*len = in->at + 3;
	if (!cr || *len > in->fetched)
		return false;
	if (op == OP2_MOV_TO_CR)
		*cr = *gpr;
	else
		*gpr = *cr;
	te_vcpu(vcpu)->what = op == OP2_MOV_TO_CR ? "MOV to CR" : "MOV from CR";
	return true;
}

/* LGDT/LIDT m (0f 01 /2, /3) and LLDT/LTR r16 (0f 00 /2, /3). */
static bool emulate_table_load(struct vcpu *vcpu, const struct insn *in, u8 op, unsigned *len)
{
	struct te_vcpu *t = te_vcpu(vcpu);
	unsigned modrm_at = in->at + 2, operand;
	u8 modrm = in->bytes[modrm_at], which = MODRM_REG(modrm);

	if (op == OP2_GROUP6) {
		if (MODRM_MOD(modrm) != MOD_REGISTER || (which != GROUP6_LLDT && which != GROUP6_LTR))
			return false;	/* from memory: not emulated */
		u16 sel = (u16)*reg(vcpu, MODRM_RM(modrm) | (in->rex & REX_B ? 8 : 0));
		*len = modrm_at + 1;
		if (*len > in->fetched)
			return false;
		*(which == GROUP6_LLDT ? &t->ldtr : &t->tr) = sel;
		t->what = which == GROUP6_LLDT ? "LLDT" : "LTR";
		return true;
	}
	if (MODRM_MOD(modrm) == MOD_REGISTER || (which != GROUP7_LGDT && which != GROUP7_LIDT))
		return false;
	u8 *m = vm_guest_ptr(vcpu->vm, effective_address(vcpu, in, modrm_at, &operand),
			     TABLE_REG_SIZE);
	*len = modrm_at + operand;
	if (!m || *len > in->fetched)
		return false;	/* an operand outside guest RAM: stopped, with a report */
	struct te_table_reg *r = which == GROUP7_LGDT ? &t->gdtr : &t->idtr;
	memcpy(&r->limit, m, sizeof(r->limit));
	memcpy(&r->base, m + sizeof(r->limit), sizeof(r->base));
	t->what = which == GROUP7_LGDT ? "LGDT" : "LIDT";
	return true;
}

/* Emulated here, on the virtual state; false if not one of these (then
 * nothing has changed). Each emulator checks that the whole instruction
 * was readable before it changes anything. */
static bool emulate_locally(struct vcpu *vcpu, const struct insn *in)
{
	struct te_vcpu *t = te_vcpu(vcpu);
	u8 op = in->bytes[in->at], op2 = in->bytes[in->at + 1];
	unsigned len = 0;

	if (op == OP_CLI || op == OP_STI) {
		t->virtual_if = op == OP_STI;	/* the real IF stays 1 */
		t->what = op == OP_STI ? "STI" : "CLI";
		len = in->at + 1;
	} else if (op != OP_TWO_BYTE) {
		return false;
	} else if (op2 == OP2_MOV_FROM_CR || op2 == OP2_MOV_TO_CR) {
		if (!emulate_mov_cr(vcpu, in, op2, &len))
			return false;
	} else if (op2 == OP2_GROUP6 || op2 == OP2_GROUP7) {
		if (!emulate_table_load(vcpu, in, op2, &len))
			return false;
	} else if (op2 == OP2_CLTS && in->at + 2 <= in->fetched) {
		t->cr0 &= ~CR0_TS;
		t->what = "CLTS";
		len = in->at + 2;
	} else {
		return false;
	}
	t->frame.rip += len;
	return true;
}

/* #GP(0) from ring 3: a privileged or IOPL-sensitive instruction. */
static bool decode_gp(struct vcpu *vcpu, const struct insn *in, struct exit *e)
{
	struct x86_regs *g = &vcpu->arch.regs;
	u8 op = in->bytes[in->at], op2 = in->bytes[in->at + 1];

	if (te_vcpu(vcpu)->frame.error_code)
		return true;			/* a selector's fault: unhandled */
	if (emulate_locally(vcpu, in))
		return false;
	if (op == OP_HLT) {
		e->kind = EXIT_HALT;
		e->insn_len = in->at + 1;
		te_vcpu(vcpu)->what = "HLT";
	} else if (op >= OP_IN_IMM8 && op <= OP_OUT_DX_MAX) {
		decode_pio(vcpu, in, op, e);
	} else if (op == OP_TWO_BYTE && (op2 == OP2_RDMSR || op2 == OP2_WRMSR)) {
		e->kind = EXIT_SYSREG;
		e->addr = X86_SYSREG_MSR | (u32)g->rcx;
		e->write = op2 == OP2_WRMSR;
		e->value = (g->rdx << 32) | (u32)g->rax;
		e->insn_len = in->at + 2;
		te_vcpu(vcpu)->what = e->write ? "WRMSR" : "RDMSR";
	}
	return true;
}

/* #UD: without VMX operation or EFER.SVME, VMCALL and VMMCALL are
 * undefined, which makes them a fine hypercall for this monitor. */
static void decode_ud(struct vcpu *vcpu, const struct insn *in, struct exit *e)
{
	struct x86_regs *g = &vcpu->arch.regs;
	u8 modrm = in->bytes[in->at + 2];

	if (in->bytes[in->at] != OP_TWO_BYTE || in->bytes[in->at + 1] != OP2_GROUP7 ||
	    (modrm != MODRM_VMCALL && modrm != MODRM_VMMCALL))
		return;
	e->kind = EXIT_HYPERCALL;
	e->args[0] = g->rax, e->args[1] = g->rdi, e->args[2] = g->rsi, e->args[3] = g->rdx;
	e->insn_len = in->at + INSN_LEN_VMCALL;
	te_vcpu(vcpu)->what = modrm == MODRM_VMCALL ? "VMCALL" : "VMMCALL";
}

/* #PF: the guest touched the monitor's (supervisor-only) memory or nothing
 * at all; to the core, an access outside guest RAM, like an EPT violation. */
static void decode_pf(struct vcpu *vcpu, struct exit *e)
{
	struct te_vcpu *t = te_vcpu(vcpu);

	t->fault_address = read_cr2();
	if (t->frame.error_code & PF_ERR_FETCH)
		return;
	e->kind = EXIT_MMIO;
	e->addr = t->fault_address;
	x86_decode_mmio(vcpu, e);
	if (e->size)
		t->what = e->write ? "MOV to memory" : "MOV from memory";
}

bool te_decode_trap(struct vcpu *vcpu, struct exit *e)
{
	struct te_vcpu *t = te_vcpu(vcpu);
	struct insn in;

	*e = (struct exit){ .kind = EXIT_UNHANDLED, .syndrome = t->frame.vector };
	t->what = NULL;
	fetch(vcpu, &in);
	switch (t->frame.vector) {
	case VECTOR_GP:
		return decode_gp(vcpu, &in, e);
	case VECTOR_UD:
		decode_ud(vcpu, &in, e);
		return true;
	case VECTOR_PF:
		decode_pf(vcpu, e);
		return true;
	default:
		return true;	/* EXIT_UNHANDLED: the report names the vector */
	}
}


void te_report(struct vcpu *vcpu, const struct exit *e)
{
	struct te_vcpu *t = te_vcpu(vcpu);
	struct insn in;

	fetch(vcpu, &in);
	printf("hv:   guest exception %lu (%s) in ring %lu, error code 0x%lx\n", t->frame.vector,
	       x86_vector_name(t->frame.vector),
	       t->frame.cs & SELECTOR_RPL, t->frame.error_code);
	printf("hv:   instruction bytes at rip:");
	for (unsigned i = 0; i < REPORT_BYTES && i < in.fetched; i++)
		printf(" %02x", in.bytes[i]);
	printf("%s\n", t->what ? "" : " (not an instruction this monitor emulates)");
	if (t->frame.vector == VECTOR_PF)
		printf("hv:   page fault at 0x%lx: %s %s by ring 3\n", t->fault_address,
		       t->frame.error_code & PF_ERR_PRESENT ? "protection violation (supervisor page)," : "not present,",
		       t->frame.error_code & PF_ERR_WRITE ? "write" : "read");
	if (e->kind == EXIT_MMIO && e->size)
		printf("hv:   decoded: %u-byte %s, register %u, instruction %u bytes\n", e->size,
		       e->write ? "store" : "load", e->reg, e->insn_len);
	printf("hv:   virtual: IF=%u gdtr=0x%lx/0x%x idtr=0x%lx/0x%x ldtr=0x%x tr=0x%x\n",
	       t->virtual_if, t->gdtr.base, t->gdtr.limit, t->idtr.base, t->idtr.limit,
	       t->ldtr, t->tr);
}
