/*
 * The check both decoder fuzz targets make on what their decoder accepts: it encodes to
 * Avro, decodes back to the same JSON, and its JSON text is what jansson writes for it.
 * Aborts (a finding) otherwise.
 */
#ifndef YB_FUZZ_ROUNDTRIP_H
#define YB_FUZZ_ROUNDTRIP_H

#include "codec/avro.h"

/* avro reads the re-encoded message; record is what the target's decoder produced. */
void fuzz_check_roundtrip(const yb_avro *avro, const yb_record *record);

#endif
