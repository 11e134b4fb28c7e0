/*
 * The clocks the adapters and services read: the wall clock (what a record or a log line is
 * stamped with), a monotonic clock (deadlines and durations, which must not jump with the
 * wall clock), and a sleep. Not for the rules: they take their time as input.
 */
#ifndef YB_IO_CLOCK_H
#define YB_IO_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch, and since an arbitrary start that never goes back. */
int64_t yb_wall_ms(void);
int64_t yb_mono_ms(void);

/* Sleep ms milliseconds (a signal may cut it short). */
void yb_sleep_ms(int ms);

#endif
