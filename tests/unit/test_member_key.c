/*
 * The member's part of the Redis key names (store/member_key.h): in clear without a secret,
 * exactly the keys the stores always wrote; with one, HMAC-SHA256 truncated to 32 hex
 * digits, checked against values computed apart from this code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/error.h"
#include "store/member_key.h"

static const char secret[] = "0123456789abcdef0123456789abcdef"; /* 32 bytes */

static yb_member_key *keyed(const void *bytes, size_t len)
{
	yb_member_key *k = NULL;

	assert_int_equal(yb_member_key_new(&k, bytes, len), YB_OK);
	assert_non_null(k);
	return k;
}

static void without_a_secret_the_member_id_is_in_clear(void **state)
{
	char buf[128], token[64];

	(void)state;
	assert_int_equal(yb_member_key_format(NULL, buf, sizeof(buf), "yb:", "M0001", ":acc"), 16);
	assert_string_equal(buf, "yb:{m:M0001}:acc");
	assert_int_equal(yb_member_key_format(NULL, buf, sizeof(buf), "run7:", "M0001", ""), 14);
	assert_string_equal(buf, "run7:{m:M0001}");
	assert_int_equal(yb_member_key_token(NULL, "M0001", token, sizeof(token)), 5);
	assert_string_equal(token, "M0001");
}

/*
 * The expected tokens are the first 32 hex digits of
 *   printf %s M0001 | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
 *     = 2fc73ce1a64d448e96332670d13a6090fa440ccae065e4bcbbdf5bdf8f6d8712
 *   printf %s 110101199003077777 | openssl dgst -sha256 -hmac yb-test-secret-16b
 *     = ed89bc3d07f14671e22cb2b53a02a15e4a7cf59b9429dd7fb6f4116aa61b7d22
 * and RFC 4231's test case 4 (key 0x01..0x19, data 50 bytes of 0xcd):
 *     82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b
 */
static void with_a_secret_the_member_id_is_its_keyed_hash(void **state)
{
	yb_member_key *k = keyed(secret, strlen(secret));
	yb_member_key *other = keyed("yb-test-secret-16b", 18);
	uint8_t rfc_key[25];
	char rfc_data[51], buf[128], token[64];
	yb_member_key *rfc;

	(void)state;
	assert_int_equal(yb_member_key_format(k, buf, sizeof(buf), "yb:", "M0001", ":acc"), 43);
	assert_string_equal(buf, "yb:{m:2fc73ce1a64d448e96332670d13a6090}:acc");
	assert_int_equal(yb_member_key_token(k, "M0001", token, sizeof(token)), 32);
	assert_string_equal(token, "2fc73ce1a64d448e96332670d13a6090");
	assert_int_equal(yb_member_key_token(other, "110101199003077777", token, sizeof(token)),
			 32);
	assert_string_equal(token, "ed89bc3d07f14671e22cb2b53a02a15e");

	for (int i = 0; i < 25; i++)
		rfc_key[i] = (uint8_t)(i + 1);
	memset(rfc_data, 0xcd, 50);
	rfc_data[50] = '\0';
	rfc = keyed(rfc_key, sizeof(rfc_key));
	assert_int_equal(yb_member_key_token(rfc, rfc_data, token, sizeof(token)), 32);
	assert_string_equal(token, "82558a389a443c0ea4cc819899f2083a");
	yb_member_key_destroy(rfc);
	yb_member_key_destroy(other);
	yb_member_key_destroy(k);
}

/* The context is keyed once and re-initialised per member; the last token is remembered:
 * neither may leak one member's token into another's. */
static void every_member_gets_its_own_token_in_any_order(void **state)
{
	yb_member_key *k = keyed(secret, strlen(secret));
	char a[64], b[64], again[64], empty[64];
	char long_id[200];

	(void)state;
	assert_int_equal(yb_member_key_token(k, "M0001", a, sizeof(a)), 32);
	assert_int_equal(yb_member_key_token(k, "M0002", b, sizeof(b)), 32);
	assert_string_not_equal(a, b);
	assert_int_equal(yb_member_key_token(k, "M0001", again, sizeof(again)), 32);
	assert_string_equal(a, "2fc73ce1a64d448e96332670d13a6090");
	assert_string_equal(again, a);
	/* An id too long to be remembered, then the empty id: each its own. */
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_int_equal(yb_member_key_token(k, long_id, a, sizeof(a)), 32);
	assert_int_equal(yb_member_key_token(k, "", empty, sizeof(empty)), 32);
	assert_string_not_equal(a, empty);
	assert_int_equal(yb_member_key_token(k, long_id, again, sizeof(again)), 32);
	assert_string_equal(a, again);
	yb_member_key_destroy(k);
}

static void short_secrets_and_short_buffers_are_refused(void **state)
{
	yb_member_key *k = (yb_member_key *)1;
	char buf[20];

	(void)state;
	/* 15 bytes: one short of YB_MEMBER_KEY_SECRET_MIN. */
	assert_int_equal(yb_member_key_new(&k, "0123456789abcde", 15), YB_EINVAL);
	assert_null(k);
	k = keyed(secret, YB_MEMBER_KEY_SECRET_MIN);
	assert_int_equal(yb_member_key_format(k, buf, sizeof(buf), "yb:", "M0001", ":acc"),
			 YB_EINVAL);
	assert_string_equal(buf, "");
	assert_int_equal(yb_member_key_token(k, "M0001", buf, sizeof(buf)), YB_EINVAL);
	assert_int_equal(yb_member_key_format(NULL, buf, 8, "yb:", "M0001", ":acc"), YB_EINVAL);
	assert_string_equal(buf, "");
	yb_member_key_destroy(k);
	yb_member_key_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(without_a_secret_the_member_id_is_in_clear),
	    cmocka_unit_test(with_a_secret_the_member_id_is_its_keyed_hash),
	    cmocka_unit_test(every_member_gets_its_own_token_in_any_order),
	    cmocka_unit_test(short_secrets_and_short_buffers_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
