/* Kafka configuration from properties: kafka.* passes through, librdkafka refuses bad keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/temp_file.h"

#include "kafka/kafka_client.h"
#include "io/props.h"
#include "base/error.h"

static void kafka_keys_pass_through_without_prefix(void **state)
{
	yb_props *props = yb_props_new();
	rd_kafka_conf_t *conf = NULL;
	char errstr[512], value[256];
	size_t value_len = sizeof(value);

	(void)state;
	yb_props_set(props, "kafka.bootstrap.servers", "127.0.0.1:1");
	yb_props_set(props, "kafka.enable.idempotence", "true");
	yb_props_set(props, "redis.port", "6379"); /* not ours to pass: ignored */
	assert_int_equal(yb_kafka_conf_new(&conf, props, errstr, sizeof(errstr)), YB_OK);
	assert_non_null(conf);
	assert_int_equal(rd_kafka_conf_get(conf, "bootstrap.servers", value, &value_len),
			 RD_KAFKA_CONF_OK);
	assert_string_equal(value, "127.0.0.1:1");
	value_len = sizeof(value);
	assert_int_equal(rd_kafka_conf_get(conf, "enable.idempotence", value, &value_len),
			 RD_KAFKA_CONF_OK);
	assert_string_equal(value, "true");
	rd_kafka_conf_destroy(conf);
	yb_props_destroy(props);
}

static void unknown_kafka_key_is_refused_with_librdkafkas_reason(void **state)
{
	yb_props *props = yb_props_new();
	rd_kafka_conf_t *conf = (rd_kafka_conf_t *)1;
	char errstr[512] = "";

	(void)state;
	yb_props_set(props, "kafka.no.such.property", "1");
	assert_int_equal(yb_kafka_conf_new(&conf, props, errstr, sizeof(errstr)), YB_EINVAL);
	assert_null(conf);
	assert_non_null(strstr(errstr, "no.such.property"));
	yb_props_destroy(props);
}

static void sasl_password_comes_from_its_file(void **state)
{
	yb_props *props = yb_props_new();
	rd_kafka_conf_t *conf = NULL;
	char errstr[512], value[256], path[64];
	size_t value_len = sizeof(value);

	(void)state;
	yb_test_write_file(path, sizeof(path), "s3cret-from-file\n", 0600);
	yb_props_set(props, "kafka.sasl.password.file", path);
	assert_int_equal(yb_kafka_conf_new(&conf, props, errstr, sizeof(errstr)), YB_OK);
	/* librdkafka's own property, without the line end; no "sasl.password.file" passed on */
	assert_int_equal(rd_kafka_conf_get(conf, "sasl.password", value, &value_len),
			 RD_KAFKA_CONF_OK);
	assert_string_equal(value, "s3cret-from-file");
	rd_kafka_conf_destroy(conf);
	yb_props_destroy(props);
	unlink(path);
}

static void secret_file_others_may_read_is_refused_without_its_content(void **state)
{
	yb_props *props = yb_props_new();
	rd_kafka_conf_t *conf = (rd_kafka_conf_t *)1;
	char errstr[512] = "", path[64];

	(void)state;
	yb_test_write_file(path, sizeof(path), "s3cret-from-file\n", 0644);
	yb_props_set(props, "kafka.ssl.key.password.file", path);
	assert_int_equal(yb_kafka_conf_new(&conf, props, errstr, sizeof(errstr)), YB_EINVAL);
	assert_null(conf);
	assert_non_null(strstr(errstr, path));
	assert_null(strstr(errstr, "s3cret"));
	yb_props_destroy(props);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(kafka_keys_pass_through_without_prefix),
	    cmocka_unit_test(unknown_kafka_key_is_refused_with_librdkafkas_reason),
	    cmocka_unit_test(sasl_password_comes_from_its_file),
	    cmocka_unit_test(secret_file_others_may_read_is_refused_without_its_content),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
