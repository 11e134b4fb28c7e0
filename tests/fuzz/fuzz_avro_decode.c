/*
 * Fuzz target: the Avro single-object decoder (codec/avro.h), which reads every message
 * that arrives from Kafka. Whatever the bytes, decoding must stay in bounds and terminate;
 * and what it accepts must survive encode → decode → JSON unchanged (the decoder and the
 * encoder agree on every record they let through).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/avro.h"
#include "codec/json.h"
#include "roundtrip.h"
#include "base/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char arena_memory[1 << 20];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static yb_avro *avro;
	yb_arena arena;
	yb_record first;
	char errstr[256];

	if (avro == NULL && yb_avro_new(&avro, errstr, sizeof(errstr)) != YB_OK)
		abort();
	yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
	if (yb_avro_decode(avro, data, size, &arena, &first, errstr, sizeof(errstr)) != YB_OK)
		return 0;
	fuzz_check_roundtrip(avro, &first);
	return 0;
}
