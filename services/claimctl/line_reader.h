/*
 * JSON Lines input read and decoded on a second thread, in batches, so that parsing
 * (jansson) and adjudicating run on two cores: claimctl adjudicate must keep up with
 * jq -c . on the same file. Lines come out in order, each with its decoded record or the
 * decoding error.
 */
#ifndef YB_CLAIMCTL_LINE_READER_H
#define YB_CLAIMCTL_LINE_READER_H

#include <stdint.h>
#include <stdio.h>

#include "codec/record.h"

typedef struct claimctl_reader claimctl_reader;

typedef struct claimctl_line {
	const char *text; /* the line without its newline, NUL-terminated */
	size_t len;
	uint64_t line_no;
	int rc;            /* YB_OK: record is set; otherwise the decoding error */
	const char *error; /* when rc != YB_OK */
	const yb_record *record;
} claimctl_line;

/* Start reading in (which the reader does not close). Returns YB_OK or YB_ENOMEM. */
int claimctl_reader_start(claimctl_reader **out, FILE *in);

/* The next non-blank line, or NULL at the end of the input (or after a read error).
 * Valid until the next call. */
const claimctl_line *claimctl_reader_next(claimctl_reader *r);

/* The errno of a read error that ended the input early, or 0. */
int claimctl_reader_error(const claimctl_reader *r);

/* Stop the thread and free everything; NULL is allowed. */
void claimctl_reader_stop(claimctl_reader *r);

#endif
