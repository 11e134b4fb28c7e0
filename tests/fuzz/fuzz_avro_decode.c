/*
 * Fuzz target: the Avro single-object decoder (codec/avro.h), which reads every message
 * that arrives from Kafka. Whatever the bytes, decoding must stay in bounds and terminate;
 * and what it accepts must survive encode → decode → JSON unchanged (the decoder and the
 * encoder agree on every record they let through).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec/avro.h"
#include "codec/json.h"
#include "rules/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char arena_memory[1 << 20];
static char arena2_memory[1 << 20];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static yb_avro *avro;
	static yb_buf buf;
	yb_arena arena, arena2;
	yb_record first, second;
	char errstr[256];
	json_t *a, *b;

	if (avro == NULL && yb_avro_new(&avro, errstr, sizeof(errstr)) != YB_OK)
		abort();
	yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
	if (yb_avro_decode(avro, data, size, &arena, &first, errstr, sizeof(errstr)) != YB_OK)
		return 0;
	if (yb_avro_encode(&first, &buf, errstr, sizeof(errstr)) != YB_OK)
		abort(); /* decoded, so it must be encodable */
	yb_arena_init(&arena2, arena2_memory, sizeof(arena2_memory));
	if (yb_avro_decode(avro, buf.data, buf.len, &arena2, &second, errstr, sizeof(errstr)) !=
	    YB_OK)
		abort();
	a = yb_json_encode(&first);
	b = yb_json_encode(&second);
	if (a == NULL || b == NULL || !json_equal(a, b))
		abort();
	/* The direct JSON writer gives the bytes jansson would. */
	{
		static yb_buf text;
		char *dumped = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);

		text.len = 0;
		if (dumped == NULL || yb_json_format(&first, &text) != YB_OK ||
		    text.len != strlen(dumped) || memcmp(text.data, dumped, text.len) != 0)
			abort();
		free(dumped);
	}
	json_decref(a);
	json_decref(b);
	return 0;
}
