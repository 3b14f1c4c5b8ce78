/* A one-shot timer from the PC's PIT and PIC (pic.c). */
#pragma once
#include "types.h"

void pic_init(void);			/* vectors 0x20-0x2f, all lines masked */
void pit_oneshot(u64 microseconds);	/* IRQ 0 once, that much later */
void pit_stop(void);
bool pit_tick_taken(void);		/* IRQ 0 came since the last call */
