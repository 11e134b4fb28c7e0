/* See roundtrip.h. */
#include "roundtrip.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json.h"
#include "base/error.h"

static char arena_memory[1 << 20];

void fuzz_check_roundtrip(const yb_avro *avro, const yb_record *record)
{
	static yb_buf wire, text;
	yb_arena arena;
	yb_record again;
	char errstr[256], *dumped;
	json_t *a, *b;

	if (yb_avro_encode(record, &wire, errstr, sizeof(errstr)) != YB_OK)
		abort(); /* decoded, so it must be encodable */
	yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
	if (yb_avro_decode(avro, wire.data, wire.len, &arena, &again, errstr, sizeof(errstr)) !=
	    YB_OK)
		abort();
	a = yb_json_encode(record);
	b = yb_json_encode(&again);
	if (a == NULL || b == NULL || !json_equal(a, b))
		abort();
	/* The direct JSON writer's text, parsed and dumped by jansson, is the same bytes. */
	dumped = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	text.len = 0;
	if (dumped == NULL || yb_json_format(record, &text) != YB_OK ||
	    text.len != strlen(dumped) || memcmp(text.data, dumped, text.len) != 0)
		abort();
	free(dumped);
	json_decref(a);
	json_decref(b);
}
