/*
 * Fuzz target: the JSON Lines decoder (codec/json.h), which reads what claimctl is given.
 * Whatever the text, decoding must stay in bounds; and a record it accepts must encode to
 * Avro, decode back, and print as the same JSON.
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
	if (yb_json_decode((const char *)data, size, &arena, &first, errstr, sizeof(errstr)) !=
	    YB_OK)
		return 0;
	fuzz_check_roundtrip(avro, &first);
	return 0;
}
