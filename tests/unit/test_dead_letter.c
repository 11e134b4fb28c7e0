/*
 * Dead letters that always encode (io/dead_letter.h): an original up to the limit is kept
 * whole; one over it is kept as its first bytes with its full length and SHA-256, never
 * dropped; an error text that is not UTF-8 is kept readable. Each on both sides of the limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/avro.h"
#include "io/dead_letter.h"
#include "base/error.h"

static void sha256_matches_the_standard_vectors(void **state)
{
	char hex[65];

	(void)state;
	/* FIPS 180-2, appendix B.1 and the empty message. */
	yb_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	yb_sha256_hex("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* Encode the dead letter and decode it back: it must always encode. */
static yb_record round_trip(const yb_record *r, yb_buf *buf, yb_avro *avro, char *arena,
			    size_t arena_size)
{
	yb_record back;
	yb_arena a;
	char errstr[256];

	assert_int_equal(yb_avro_encode(r, buf, errstr, sizeof(errstr)), YB_OK);
	yb_arena_init(&a, arena, arena_size);
	assert_int_equal(
	    yb_avro_decode(avro, buf->data, buf->len, &a, &back, errstr, sizeof(errstr)), YB_OK);
	return back;
}

static void an_original_over_the_limit_is_kept_truncated_with_length_and_digest(void **state)
{
	enum { LIMIT = 1000 };
	size_t sizes[] = {LIMIT, LIMIT + 1, 1048576};
	uint8_t *garbage = malloc(1048576);
	char *arena = malloc(4u << 20);
	yb_avro *avro = NULL;
	yb_buf buf = {0};
	char errstr[256], hex[65];

	(void)state;
	assert_non_null(garbage);
	assert_non_null(arena);
	assert_int_equal(yb_avro_new(&avro, errstr, sizeof(errstr)), YB_OK);
	for (size_t i = 0; i < 1048576; i++)
		garbage[i] = (uint8_t)(i * 131 + 7);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		yb_record r = {.type = YB_RECORD_DEAD_LETTER}, back;
		yb_dead_letter_text text;
		const yb_dead_letter *d;

		yb_dead_letter_fill(&r.as.dead_letter, &text, "claims/0/7", "not Avro", garbage,
				    sizes[k], LIMIT);
		back = round_trip(&r, &buf, avro, arena, 4u << 20);
		d = &back.as.dead_letter;
		if (sizes[k] <= LIMIT) {
			/* At the limit: whole, nothing more said. */
			assert_int_equal(d->payload_len, sizes[k]);
			assert_false(d->has_payload_length);
			assert_null(d->payload_sha256);
		} else {
			/* Over it: the first LIMIT bytes, the full length, the whole's digest. */
			assert_int_equal(d->payload_len, LIMIT);
			assert_true(d->has_payload_length);
			assert_int_equal(d->payload_length, (int64_t)sizes[k]);
			yb_sha256_hex(garbage, sizes[k], hex);
			assert_string_equal(d->payload_sha256, hex);
		}
		assert_memory_equal(d->payload, garbage, d->payload_len);
		assert_string_equal(d->source, "claims/0/7");
	}
	/* The default limit keeps a 1 MB original whole no more: it fits 1,000,000 bytes. */
	assert_true(YB_DEAD_LETTER_PAYLOAD_DEFAULT + YB_DEAD_LETTER_ROOM <= 1000000);
	yb_buf_free(&buf);
	yb_avro_destroy(avro);
	free(garbage);
	free(arena);
}

static void an_error_text_is_kept_readable_and_bounded(void **state)
{
	char error[6000];
	yb_record r = {.type = YB_RECORD_DEAD_LETTER};
	yb_dead_letter_text text;
	yb_buf buf = {0};
	char errstr[256];

	(void)state;
	/* Bytes that are not UTF-8 in the middle, and far too long. */
	memset(error, 'x', sizeof(error) - 1);
	error[sizeof(error) - 1] = '\0';
	memcpy(error, "key '\xff\xfe' \xe4\xb8\xad", 12);
	yb_dead_letter_fill(&r.as.dead_letter, &text, "claims/0/7", error, "x", 1, 100);
	assert_memory_equal(r.as.dead_letter.error,
			    "key '?"
			    "?' \xe4\xb8\xad",
			    12);
	assert_true(strlen(r.as.dead_letter.error) < YB_DEAD_LETTER_ERROR_MAX);
	assert_int_equal(yb_avro_encode(&r, &buf, errstr, sizeof(errstr)), YB_OK);
	/* The near miss: a short, valid reason stays as it is. */
	yb_dead_letter_fill(&r.as.dead_letter, &text, "claims/0/7", "claim.total_fen: negative",
			    "x", 1, 100);
	assert_string_equal(r.as.dead_letter.error, "claim.total_fen: negative");
	yb_buf_free(&buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sha256_matches_the_standard_vectors),
	    cmocka_unit_test(an_original_over_the_limit_is_kept_truncated_with_length_and_digest),
	    cmocka_unit_test(an_error_text_is_kept_readable_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
