/* An exit in the middle of delivering an exception or interrupt to the
 * guest: reading its IDT gate, a descriptor or its stack touched a page the
 * hypervisor handles. VT-x says so in the IDT-vectoring information, AMD-V
 * in EXITINTINFO, in one layout (SDM Vol. 3C 28.2.4, APM Vol. 2 15.7.2).
 * The instruction at RIP is then not what touched the page, and is never
 * emulated instead. A shadow-paging fill, which the guest must not notice,
 * lets the event go again (injected as it was); anything else, a device
 * above all (an IDT over a device page), stops the VM with the event named. */
#include "console.h"
#include "exit.h"
#include "x86_exit.h"

#define EVENT_VECTOR(info)	((info) & 0xff)
#define EVENT_TYPE(info)	(((info) >> 8) & 7)
#define EVENT_ERROR_VALID	BIT(11)
#define EVENT_TYPE_EXCEPTION	3	/* a hardware exception; AMD-V: INT3 and INTO too */
#define VECTOR_BREAKPOINT	3
#define VECTOR_OVERFLOW		4

static const char *const vector_names[] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD exception", "#VE virtualization exception",
	"#CP control protection",
};

static const char *const type_names[8] = {
	"an external interrupt", "reserved", "an NMI", "a hardware exception",
	"a software interrupt", "a privileged software exception", "a software exception",
	"other",
};

const char *x86_vector_name(u64 vector)
{
	return vector < ARRAY_SIZE(vector_names) ? vector_names[vector] : "an interrupt";
}

/* Software events (INT n; INT3 and INTO, which AMD-V calls exceptions)
 * are raised again when the instruction runs again: nothing to inject. */
static bool raised_again(u64 info)
{
	u64 type = EVENT_TYPE(info), vector = EVENT_VECTOR(info);

	return type > EVENT_TYPE_EXCEPTION ||
	       (type == EVENT_TYPE_EXCEPTION && (vector == VECTOR_BREAKPOINT || vector == VECTOR_OVERFLOW));
}

enum delivery x86_exit_in_delivery(struct exit *e, u64 info, bool injected)
{
	if (!(info & X86_EVENT_VALID))
		return DELIVERY_NONE;
	if (e->kind != EXIT_PAGING || injected) {
		e->kind = EXIT_UNHANDLED;	/* stopped; the report names the event */
		return DELIVERY_STOP;
	}
	return raised_again(info) ? DELIVERY_NONE : DELIVERY_AGAIN;
}

void x86_report_delivery(u64 info, u32 error_code)
{
	if (!(info & X86_EVENT_VALID))
		return;
	printf("hv:   during delivery of vector %lu (%s), %s", EVENT_VECTOR(info),
	       x86_vector_name(EVENT_VECTOR(info)), type_names[EVENT_TYPE(info)]);
	if (info & EVENT_ERROR_VALID)
		printf(", error code 0x%x", error_code);
	printf(": the delivery itself (IDT, descriptor or stack) reached this page\n");
}
