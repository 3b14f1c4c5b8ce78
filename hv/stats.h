/* The exit-statistics report printed when the run ends. */
#pragma once
void stats_report(void);
