/* Exceptions the hypervisor makes the guest take at its own EL1, as the CPU
 * would have: the guest's handler sees them, not the hypervisor's report. */
#pragma once
#include "types.h"

struct vcpu;
void arm64_inject_data_abort(struct vcpu *vcpu, u64 iss, u64 far);
