/*
 * Benchmark (not a test): Avro single-object encode and decode of a typical claim, and the
 * JSON decode claimctl does per input line. Reports records per second on one core.
 *
 *   build/bench/bench_codec [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/avro.h"
#include "codec/json.h"
#include "base/error.h"

static const char claim_line[] =
    "{\"type\":\"claim\",\"claim_id\":\"C-0001\",\"member_id\":\"M-1001\",\"scheme\":"
    "\"yingkou-resident\",\"institution_id\":\"YK-H-301\",\"visit_type\":\"inpatient\","
    "\"admission_date\":\"2024-03-01\",\"discharge_date\":\"2024-03-10\",\"total_fen\":1234567,"
    "\"compliant_fen\":1000000,\"essential_drug_fen\":200000,\"diagnoses\":[\"J18.9\",\"I10\"],"
    "\"out_of_city\":false,\"items\":[{\"code\":\"XA01\",\"category\":\"drug\",\"amount_fen\":"
    "1234,\"quantity\":3,\"compliant\":true}],\"submitted_at\":\"2024-03-10T17:45:12+08:00\"}";

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char arena_memory[64 * 1024];

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	yb_avro *avro = NULL;
	yb_buf buf = {0};
	yb_arena arena;
	yb_record record, decoded;
	char errstr[256];
	double start;
	long n;

	yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
	if (yb_avro_new(&avro, errstr, sizeof(errstr)) != YB_OK ||
	    yb_json_decode(claim_line, strlen(claim_line), &arena, &record, errstr,
			   sizeof(errstr)) != YB_OK ||
	    yb_avro_encode(&record, &buf, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "bench_codec: %s\n", errstr);
		return 1;
	}
	printf("claim: %zu bytes as Avro, %zu as JSON\n", buf.len, strlen(claim_line));

	start = now_seconds();
	for (n = 0; now_seconds() - start < seconds; n++) {
		for (int i = 0; i < 1000; i++)
			yb_avro_encode(&record, &buf, errstr, sizeof(errstr));
	}
	printf("avro encode: %.0f claims/s\n", (double)n * 1000 / (now_seconds() - start));

	start = now_seconds();
	for (n = 0; now_seconds() - start < seconds; n++) {
		for (int i = 0; i < 1000; i++) {
			char arena2[16384];
			yb_arena a;

			yb_arena_init(&a, arena2, sizeof(arena2));
			if (yb_avro_decode(avro, buf.data, buf.len, &a, &decoded, errstr,
					   sizeof(errstr)) != YB_OK)
				return 1;
		}
	}
	printf("avro decode: %.0f claims/s\n", (double)n * 1000 / (now_seconds() - start));

	start = now_seconds();
	for (n = 0; now_seconds() - start < seconds; n++) {
		for (int i = 0; i < 100; i++) {
			yb_arena_reset(&arena);
			yb_json_decode(claim_line, strlen(claim_line), &arena, &decoded, errstr,
				       sizeof(errstr));
		}
	}
	printf("json decode: %.0f claims/s\n", (double)n * 100 / (now_seconds() - start));
	yb_buf_free(&buf);
	yb_avro_destroy(avro);
	return 0;
}
