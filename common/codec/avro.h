/*
 * Avro single-object encoding of the contract's records.
 *
 * A message is 0xC3 0x01, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer
 * schema's Parsing Canonical Form, then the Avro binary body (Avro specification, "Single
 * object encoding"). The fingerprint names the writer schema, so no registry is needed;
 * the reader resolves that writer schema against its own (the compiled-in schemas/, which
 * the C structs mirror) by the specification's rules: fields matched by name, fields the
 * reader lacks skipped, fields the writer lacks filled from the reader's default, int
 * promoted to long, string and bytes interchangeable, ["null", T] and T interchangeable
 * while the value is not null. An old writer and a new writer are both read.
 *
 * Decoding never trusts the input: every length is checked against what remains and against
 * the limits in codec/record.h, every string is checked to be UTF-8 without NUL, money is
 * checked to lie in 0..YB_RECORD_MAX_FEN, dates and times in the years 1..9999. A failure
 * returns YB_EPARSE with errstr naming the field ("claim.items[].amount_fen: ...").
 * Decoded records point into the caller's arena; nothing is allocated.
 *
 * Why not avro-c's generic values on this path: avro-c allocates per value and trusts a
 * string's length prefix with malloc before checking it against the input; this codec
 * allocates nothing and bounds everything. avro-c stays the reference: the tests decode
 * its output with this codec and this codec's output with avro-c.
 */
#ifndef YB_CODEC_AVRO_H
#define YB_CODEC_AVRO_H

#include <stddef.h>
#include <stdint.h>

#include "codec/record.h"

/* The single-object header: 2 marker bytes and the 8-byte fingerprint. */
#define YB_AVRO_HEADER_LEN 10

/* The writer schemas a process can read, each resolved against its reader. Opaque. */
typedef struct yb_avro yb_avro;

/*
 * *out = a reader of every compiled-in schema. Returns YB_OK, YB_ENOMEM, or YB_EINVAL when a
 * compiled-in schema cannot be resolved (a build defect); *out = NULL on failure.
 */
int yb_avro_new(yb_avro **out, char *errstr, size_t errlen);

/* Free the reader; NULL is allowed. */
void yb_avro_destroy(yb_avro *avro);

/*
 * Teach the reader one more writer schema (JSON text), e.g. a newer producer's, resolved
 * against the compiled-in record of the same full name. Returns YB_OK; YB_EINVAL with errstr
 * when the schema is not valid Avro, names no known record, or cannot be read into it (a
 * field the reader requires that the writer lacks and that has no default; types that do
 * not resolve); YB_ENOMEM.
 */
int yb_avro_add_writer(yb_avro *avro, const char *schema_json, char *errstr, size_t errlen);

/*
 * Decode one single-object message into *out, its strings and arrays placed in arena.
 * Returns YB_OK, YB_EPARSE with errstr naming the problem, or YB_ENOMEM when the arena is
 * full (the message may be fine: a caller decoding a batch into one arena takes fewer);
 * out is then unspecified and the arena may be partly used.
 */
int yb_avro_decode(const yb_avro *avro, const void *data, size_t len, yb_arena *arena,
		   yb_record *out, char *errstr, size_t errlen);

/* The writer fingerprint of a message, or 0 when it has no single-object header. */
uint64_t yb_avro_fingerprint_of(const void *data, size_t len);

/*
 * Encode record as a single-object message with its compiled-in schema, replacing buf's
 * contents. Returns YB_OK; YB_EINVAL with errstr naming the field when the record breaks
 * its schema (a required string NULL, money out of range, a string too long); YB_ENOMEM.
 */
int yb_avro_encode(const yb_record *record, yb_buf *buf, char *errstr, size_t errlen);

#endif
