/* Self-hosted debug registers, switched lazily with the vCPU (debug.c). */
#pragma once
#include "types.h"

struct vcpu;
struct exit;
struct debug_state;
void debug_save(struct debug_state *d);
void debug_load(const struct debug_state *d);
void debug_disable(void);
void debug_reset(struct debug_state *d);
bool debug_first_use(struct vcpu *vcpu, struct exit *e);
