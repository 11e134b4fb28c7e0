/* Burrow's evaluation of a consumer's window; see lag_status.h. */
#include "kafka/lag_status.h"

#include <stdbool.h>

const char *yb_lag_status_name(yb_lag_status s)
{
	static const char *const names[] = {"OK", "WARN", "STOP", "STALL", "REWIND", "ERR"};

	return s >= YB_LAG_OK && s <= YB_LAG_ERR ? names[s] : "ERR";
}

/* Burrow rule 2: the first sample whose offset is below the one before, -1 when none. */
static int rewound_at(const yb_lag_sample *w, int n)
{
	for (int i = 1; i < n; i++) {
		if (w[i].committed < w[i - 1].committed)
			return i;
	}
	return -1;
}

/* ... and whether the consumer came back to where it was before the rewind. */
static bool recovered(const yb_lag_sample *w, int n, int at)
{
	for (int i = at; i < n; i++) {
		if (w[i].committed >= w[at - 1].committed)
			return true;
	}
	return false;
}

/* Burrow rule 1 (in reverse): lagging at every sample of the window. */
static bool always_lagging(const yb_lag_sample *w, int n, int64_t allowed)
{
	for (int i = 0; i < n; i++) {
		if (w[i].lag >= 0 && w[i].lag <= allowed)
			return false;
	}
	return true;
}

/* Burrow rule 4: the committed offset never moved. */
static bool stalled(const yb_lag_sample *w, int n)
{
	for (int i = 1; i < n; i++) {
		if (w[i].committed != w[i - 1].committed)
			return false;
	}
	return true;
}

/* Burrow rule 5: the lag never fell from one sample to the next. */
static bool lag_not_falling(const yb_lag_sample *w, int n)
{
	for (int i = 1; i < n; i++) {
		if (w[i].lag < w[i - 1].lag)
			return false;
	}
	return true;
}

yb_lag_status yb_lag_evaluate(const yb_lag_sample *window, int n, int members, int64_t allowed_lag)
{
	int at;

	if (n <= 0 || window[n - 1].lag < 0 || window[n - 1].lag <= allowed_lag)
		return YB_LAG_OK;
	if (members == 0)
		return YB_LAG_STOP;
	if (n < 2)
		return YB_LAG_OK;
	at = rewound_at(window, n);
	if (at > 0 && !recovered(window, n, at))
		return YB_LAG_REWIND;
	if (!always_lagging(window, n, allowed_lag))
		return YB_LAG_OK;
	if (stalled(window, n))
		return YB_LAG_STALL;
	if (lag_not_falling(window, n))
		return YB_LAG_WARN;
	return YB_LAG_OK;
}
