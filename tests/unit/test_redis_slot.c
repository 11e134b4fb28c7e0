/*
 * Redis Cluster hash slots without a server (the integration test compares with the server's
 * CLUSTER KEYSLOT): CRC16/XMODEM's check value, and the hash-tag rules of the cluster
 * specification: the part between the first '{' and the next '}' when it is not empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redis/cluster.h"

static unsigned slot(const char *key)
{
	return yb_redis_key_slot(key, strlen(key));
}

static void test_crc16_check_value(void **state)
{
	(void)state;
	/* CRC16/XMODEM("123456789") = 0x31C3 = 12739, below 16384. */
	assert_int_equal(slot("123456789"), 12739);
	assert_int_equal(slot(""), 0);
}

static void test_hash_tags(void **state)
{
	(void)state;
	/* The tag is hashed: a member's keys share a slot whatever their suffix. */
	assert_int_equal(slot("{user1000}.following"), slot("user1000"));
	assert_int_equal(slot("yb:{m:42}:acc"), slot("m:42"));
	assert_int_equal(slot("other:{m:42}:claims"), slot("yb:{m:42}:ev"));
	/* The first '{' and the next '}': "{bar" in foo{{bar}}zap, "bar" in foo{bar}{zap}. */
	assert_int_equal(slot("foo{{bar}}zap"), slot("{bar"));
	assert_int_equal(slot("foo{bar}{zap}"), slot("bar"));
	/* An empty tag, or no '}', hashes the whole key. */
	assert_int_not_equal(slot("foo{}{bar}"), slot("bar"));
	assert_int_equal(slot("foo{}{bar}"), yb_redis_key_slot("foo{}{bar}", 10));
	assert_int_not_equal(slot("{m:42"), slot("m:42"));
	/* Binary keys: the length counts, not a NUL. */
	assert_int_not_equal(yb_redis_key_slot("a\0b", 3), slot("a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crc16_check_value),
	    cmocka_unit_test(test_hash_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
