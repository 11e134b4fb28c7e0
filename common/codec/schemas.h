/*
 * The product's Avro schemas, compiled in.
 *
 * schemas/ (*.avsc) are turned into a table at build time (schema_embed.c), so every binary
 * carries the exact schemas it writes with, their Parsing Canonical Forms and fingerprints,
 * and never reads a schema file at run time. A message names its writer schema by
 * fingerprint (Avro single-object encoding); yb_schema_by_fingerprint finds it.
 */
#ifndef YB_CODEC_SCHEMAS_H
#define YB_CODEC_SCHEMAS_H

#include <stddef.h>
#include <stdint.h>

typedef struct yb_schema_info {
	const char *name;      /* the contract's record type: "claim", "dead_letter", ... */
	const char *full_name; /* the Avro full name: "yibao.claims.Claim" */
	const char *json;      /* the .avsc text as written, docs and defaults included */
	const char *canonical; /* its Parsing Canonical Form */
	uint64_t fingerprint;  /* CRC-64-AVRO of the canonical form */
} yb_schema_info;

/* Every compiled-in schema, sorted by name; *count set to their number. */
const yb_schema_info *yb_schemas_all(size_t *count);

/* Earlier versions of the records (schemas/previous/), readable as writers only, so that
 * messages already on the topics stay readable after a schema gains a field. */
const yb_schema_info *yb_schemas_previous(size_t *count);

/* The schema of a record type ("claim"), or NULL. */
const yb_schema_info *yb_schema_by_name(const char *name);

/* The schema with this fingerprint, or NULL (an unknown writer). */
const yb_schema_info *yb_schema_by_fingerprint(uint64_t fingerprint);

#endif
