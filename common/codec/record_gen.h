/*
 * Build-time half of codec/record.h: from the parsed schemas, write yb_records.h (one C struct
 * per record) and yb_record_table.c (the field descriptors the codecs walk). Used only by the
 * yb_schema_embed build tool.
 */
#ifndef YB_CODEC_RECORD_GEN_H
#define YB_CODEC_RECORD_GEN_H

#include <jansson.h>
#include <stdio.h>

/*
 * Write the structs of the top-level records schemas[i] (whose contract names are names[i],
 * sorted) to header and their descriptors to table. Returns the number of problems reported
 * on stderr (a type the C records cannot hold, a "yb.key" naming no field, ...).
 */
int yb_record_gen(FILE *header, FILE *table, json_t *const *schemas, const char *const *names,
		  const char *const *paths, int count);

#endif
