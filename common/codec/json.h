/*
 * The JSON Lines form of the contract's records, as claimctl reads and writes it.
 *
 * One JSON object per record, "type" first ("claim", "settlement", ...), then the schema's
 * fields in the schema's order; an absent optional field is left out (null is accepted on
 * input). Money and other numbers are JSON integers, never fractions; dates are
 * "YYYY-MM-DD"; times are ISO-8601 with an offset on input and are written back in China
 * Standard Time ("2020-03-01T09:30:00+08:00"). A bytes field (dead_letter.payload) is
 * written as text when it is UTF-8 and otherwise as base64 under the field's name plus
 * "_base64" ("payload_base64"); both spellings are read.
 *
 * Reading is strict, because this is where hospitals' and offices' data comes in: an
 * unknown key, a duplicate key, a wrong type, a missing required field, money that is
 * negative, fractional or over YB_RECORD_MAX_FEN, an impossible date are each an error
 * naming the field. Walks the same generated tables as the Avro codec (codec/record.h).
 */
#ifndef YB_CODEC_JSON_H
#define YB_CODEC_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "codec/record.h"

/*
 * Parse one JSON text (a line, without or with its newline) into *out, strings and arrays
 * placed in arena. Returns YB_OK, or YB_EPARSE with errstr naming the problem ("line is not
 * JSON: ...", "claim.total_fen: ...").
 */
int yb_json_decode(const char *text, size_t len, yb_arena *arena, yb_record *out, char *errstr,
		   size_t errlen);

/* The same from a parsed JSON object. */
int yb_json_decode_object(const json_t *object, yb_arena *arena, yb_record *out, char *errstr,
			  size_t errlen);

/* A new JSON object for record (the caller owns the reference): yb_json_format's text,
 * parsed. NULL when out of memory or when the record breaks its schema. */
json_t *yb_json_encode(const yb_record *record);

/*
 * Append record's JSON text (no newline) to buf, compact, in the form jansson dumps it
 * (JSON_COMPACT | JSON_PRESERVE_ORDER), without building a tree. Returns YB_OK, YB_EINVAL
 * (the record breaks its schema; buf unchanged) or YB_ENOMEM.
 */
int yb_json_format(const yb_record *record, yb_buf *buf);

/*
 * Write record as one compact JSON line (with "\n") to stream, formatted in scratch (emptied
 * first; kept for the next line, so a loop allocates nothing) or, when scratch is NULL, in a
 * buffer of its own. Returns YB_OK, YB_EINVAL (the record breaks its schema), YB_ENOMEM or
 * YB_EIO.
 */
int yb_json_write_line(const yb_record *record, yb_buf *scratch, FILE *stream);

#endif
