/*
 * Avro schema identity: the Parsing Canonical Form (PCF) and its CRC-64-AVRO fingerprint, as
 * the Avro specification defines them ("Parsing Canonical Form for Schemas", "Schema
 * Fingerprints"). Two schemas with the same PCF read and write the same bytes; the 8-byte
 * fingerprint of the PCF is what a single-object encoded message carries to name its writer
 * schema. Verified against Avro's Java SchemaNormalization (tests/unit/test_schemas.c).
 *
 * Pure: no I/O. Uses jansson for the schema's JSON.
 */
#ifndef YB_CODEC_CANONICAL_H
#define YB_CODEC_CANONICAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* CRC-64-AVRO (the Rabin fingerprint of the Avro spec) of len bytes. */
uint64_t yb_avro_crc64(const void *data, size_t len);

/*
 * *out = the Parsing Canonical Form of schema, a malloc'ed NUL-terminated string the caller
 * frees. Returns YB_OK, or YB_EINVAL with errstr naming what is wrong (an unknown type, an
 * invalid name, a record without fields, ...); *out = NULL on failure.
 */
int yb_avro_canonical_form(char **out, const json_t *schema, char *errstr, size_t errlen);

#endif
