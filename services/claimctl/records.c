/*
 * claimctl encode | decode | produce | consume: the contract's records between their JSON
 * Lines form and Avro single-object messages, in files and on topics.
 *
 *   encode   JSON Lines → a stream of length-framed single-object messages
 *   decode   that stream → JSON Lines
 *   produce  JSON Lines → a topic, keyed and timestamped from each record's schema
 *            (yb.key, yb.time: a claim by member_id at submitted_at)
 *   consume  a topic → JSON Lines, kcat-like
 *
 * A line or message that cannot be taken is reported (file and line, or topic, partition
 * and offset, and the field at fault) and the run goes on; the exit status is then 1.
 * consume also writes a dead_letter record for it, so nothing read is silently lost.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "claimctl.h"
#include "cli_opt.h"
#include "codec/avro.h"
#include "codec/json.h"
#include "io/dead_letter.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "base/date.h"
#include "base/error.h"

/* One record's strings and arrays; reused for every record. */
#define ARENA_SIZE (4u * 1024 * 1024)

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Shared state of one run. */
typedef struct run {
	const char *command;
	const char *input_name; /* for messages: the file name or "stdin" */
	yb_avro *avro;
	yb_arena arena;
	char *arena_memory;
	yb_buf buf;
	uint64_t ok, refused;
	int quiet;        /* count bad lines without a message each */
	uint64_t invalid; /* lines that were not valid records, when quiet */
} run;

static int run_init(run *r, const char *command)
{
	char errstr[256];

	memset(r, 0, sizeof(*r));
	r->command = command;
	r->arena_memory = malloc(ARENA_SIZE);
	if (r->arena_memory == NULL || yb_avro_new(&r->avro, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl %s: cannot set up the codec\n", command);
		free(r->arena_memory);
		return YB_ENOMEM;
	}
	yb_arena_init(&r->arena, r->arena_memory, ARENA_SIZE);
	return YB_OK;
}

static void run_free(run *r)
{
	yb_avro_destroy(r->avro);
	yb_buf_free(&r->buf);
	free(r->arena_memory);
}

/* The closing line on stderr, and the exit code. */
static int run_finish(run *r, const char *verb)
{
	if (r->refused > 0 || r->quiet || isatty(STDERR_FILENO))
		fprintf(stderr, "claimctl %s: %" PRIu64 " record(s) %s, %" PRIu64 " refused\n",
			r->command, r->ok, verb, r->refused);
	return r->refused > 0 ? CLAIMCTL_EXIT_FAILURE : CLAIMCTL_EXIT_OK;
}

/* Teach the reader a writer schema from a file (--writer-schema). */
static int add_writer_file(run *r, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL, errstr[512];
	size_t len = 0;
	int err;

	if (f == NULL) {
		perror(path);
		return YB_EIO;
	}
	text = calloc(1, 1024 * 1024);
	if (text != NULL)
		len = fread(text, 1, 1024 * 1024 - 1, f);
	fclose(f);
	if (text == NULL)
		return YB_ENOMEM;
	text[len] = '\0';
	err = yb_avro_add_writer(r->avro, text, errstr, sizeof(errstr));
	if (err != YB_OK)
		fprintf(stderr, "claimctl %s: %s: %s\n", r->command, path, errstr);
	free(text);
	return err;
}

/* Read the next JSON line into a record. Returns 1 with *record set, 0 at the end, -1 for a
 * line that was refused (already reported). */
static int next_json_record(run *r, FILE *in, char **line, size_t *cap, uint64_t *line_no,
			    yb_record *record)
{
	for (;;) {
		ssize_t len = getline(line, cap, in);
		char errstr[512];

		if (len < 0)
			return 0;
		(*line_no)++;
		if (len == 0 || (*line)[0] == '\n' || ((*line)[0] == '\r' && len <= 2))
			continue; /* blank lines are allowed */
		yb_arena_reset(&r->arena);
		if (yb_json_decode(*line, (size_t)len, &r->arena, record, errstr, sizeof(errstr)) !=
		    YB_OK) {
			if (r->quiet) {
				r->invalid++;
				return -1;
			}
			fprintf(stderr, "%s:%" PRIu64 ": %s\n", r->input_name, *line_no, errstr);
			r->refused++;
			return -1;
		}
		return 1;
	}
}

/* --- encode ------------------------------------------------------------------------------ */

static const char encode_summary[] =
    "Read records as JSON Lines (each with its \"type\") and write them as Avro\n"
    "single-object messages (C3 01, the writer schema's fingerprint, the body), each\n"
    "preceded by its length as 4 bytes big-endian: the stream 'claimctl decode' reads.\n"
    "A line that is not a valid record is reported with its line number and the\n"
    "field at fault, and left out; the exit status is then 1.";

static int write_frame(const yb_buf *buf, FILE *out)
{
	uint8_t len[4] = {(uint8_t)(buf->len >> 24), (uint8_t)(buf->len >> 16),
			  (uint8_t)(buf->len >> 8), (uint8_t)buf->len};

	return fwrite(len, 1, 4, out) == 4 && fwrite(buf->data, 1, buf->len, out) == buf->len
		   ? YB_OK
		   : YB_EIO;
}

int claimctl_encode(int argc, char **argv)
{
	const char *input = NULL;
	int force = 0, exit_code = CLAIMCTL_EXIT_FAILURE;
	const cli_opt opts[] = {
	    CLI_SWITCH("force", 'f', &force,
		       "write the binary stream even when stdout is a terminal"),
	    CLI_ARG("FILE", &input, "the JSON Lines input (default or -: standard input)"),
	};
	const cli_command cmd = {"encode", "[options] [FILE|-]",           encode_summary,
				 opts,     sizeof(opts) / sizeof(opts[0]), NULL};
	FILE *in;
	run r;
	char *line = NULL;
	size_t cap = 0;
	uint64_t line_no = 0;
	yb_record record;
	int rc = cli_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (!force && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "claimctl encode: will not write binary to a terminal; "
				"redirect it or use --force\n");
		return CLAIMCTL_EXIT_USAGE;
	}
	in = claimctl_open_input("encode", input);
	if (in == NULL || run_init(&r, "encode") != YB_OK)
		return CLAIMCTL_EXIT_FAILURE;
	r.input_name = in == stdin ? "stdin" : input;
	for (;;) {
		char errstr[512];
		int got = next_json_record(&r, in, &line, &cap, &line_no, &record);

		if (got == 0)
			break;
		if (got < 0)
			continue;
		if (yb_avro_encode(&record, &r.buf, errstr, sizeof(errstr)) != YB_OK) {
			fprintf(stderr, "%s:%" PRIu64 ": %s\n", r.input_name, line_no, errstr);
			r.refused++;
			continue;
		}
		if (write_frame(&r.buf, stdout) != YB_OK) {
			fprintf(stderr, "claimctl encode: writing: %s\n", strerror(errno));
			goto out;
		}
		r.ok++;
	}
	exit_code = fflush(stdout) == 0 ? run_finish(&r, "encoded") : CLAIMCTL_EXIT_FAILURE;
out:
	free(line);
	if (in != stdin)
		fclose(in);
	run_free(&r);
	return exit_code;
}

/* --- decode ------------------------------------------------------------------------------ */

static const char decode_summary[] =
    "Read a stream of length-framed Avro single-object messages (as 'claimctl encode'\n"
    "writes) and print each record as one JSON line. Messages written with any schema\n"
    "built into this program are read; --writer-schema teaches it a newer one.\n"
    "A message that cannot be decoded is reported with its position and skipped;\n"
    "the exit status is then 1.";

/* One JSON line, formatted in the run's buffer: no allocation per record. */
static int print_record(run *r, const yb_record *record)
{
	return yb_json_write_line(record, &r->buf, stdout);
}

/* The next framed message of in into message (*len bytes): 1, 0 at the end, -1 when the
 * stream is broken there (said, and counted). */
static int read_frame(run *r, FILE *in, uint8_t *message, uint32_t *len, uint64_t index,
		      uint64_t position)
{
	uint8_t header[4];
	size_t got = fread(header, 1, 4, in);

	if (got == 0)
		return 0;
	if (got < 4) {
		fprintf(stderr, "%s: message %" PRIu64 " at byte %" PRIu64 ": truncated length\n",
			r->input_name, index, position);
		r->refused++;
		return -1;
	}
	*len = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 | (uint32_t)header[2] << 8 |
	       header[3];
	if (*len > CLAIMCTL_FRAME_MAX) {
		fprintf(stderr,
			"%s: message %" PRIu64 " at byte %" PRIu64 ": length %" PRIu32
			" over the %u limit; not a framed stream?\n",
			r->input_name, index, position, *len, CLAIMCTL_FRAME_MAX);
		r->refused++;
		return -1;
	}
	if (fread(message, 1, *len, in) != *len) {
		fprintf(stderr, "%s: message %" PRIu64 " at byte %" PRIu64 ": truncated\n",
			r->input_name, index, position);
		r->refused++;
		return -1;
	}
	return 1;
}

int claimctl_decode(int argc, char **argv)
{
	const char *input = NULL;
	writer_list writers = {0};
	int exit_code = CLAIMCTL_EXIT_FAILURE;
	const cli_opt opts[] = {
	    CLI_CALL("writer-schema", 'w', &writers, "FILE", add_writer_schema,
		     "an .avsc a producer wrote with (repeatable)"),
	    CLI_ARG("FILE", &input, "the framed input (default or -: standard input)"),
	};
	const cli_command cmd = {"decode", "[options] [FILE|-]",           decode_summary,
				 opts,     sizeof(opts) / sizeof(opts[0]), NULL};
	FILE *in;
	run r;
	uint8_t *message = NULL;
	uint64_t position = 0, index = 0;
	int rc = cli_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	in = claimctl_open_input("decode", input);
	if (in == NULL || run_init(&r, "decode") != YB_OK)
		return CLAIMCTL_EXIT_FAILURE;
	r.input_name = in == stdin ? "stdin" : input;
	for (int i = 0; i < writers.count; i++) {
		if (add_writer_file(&r, writers.paths[i]) != YB_OK)
			goto out;
	}
	message = malloc(CLAIMCTL_FRAME_MAX);
	if (message == NULL)
		goto out;
	for (;;) {
		uint32_t len;
		char errstr[512];
		yb_record record;
		int got = read_frame(&r, in, message, &len, ++index, position);

		if (got <= 0)
			break;
		yb_arena_reset(&r.arena);
		if (yb_avro_decode(r.avro, message, len, &r.arena, &record, errstr,
				   sizeof(errstr)) != YB_OK) {
			fprintf(stderr, "%s: message %" PRIu64 " at byte %" PRIu64 ": %s\n",
				r.input_name, index, position, errstr);
			r.refused++;
		} else if (print_record(&r, &record) != YB_OK) {
			fprintf(stderr, "claimctl decode: writing: %s\n", strerror(errno));
			goto out;
		} else {
			r.ok++;
		}
		position += 4 + (uint64_t)len;
	}
	exit_code = fflush(stdout) == 0 ? run_finish(&r, "decoded") : CLAIMCTL_EXIT_FAILURE;
out:
	free(message);
	if (in != stdin)
		fclose(in);
	run_free(&r);
	return exit_code;
}

/* --- produce ----------------------------------------------------------------------------- */

/*
 * The record types each product topic carries (deploy/topics.conf); other topics take any.
 * A topic named PREFIX.NAME (a test's or a tenant's own set of topics) counts as NAME.
 */
static const struct {
	const char *topic;
	yb_record_type types[2];
	int count;
} topic_types[] = {
    {"institutions", {YB_RECORD_INSTITUTION}, 1},
    {"enrollments", {YB_RECORD_ENROLLMENT}, 1},
    {"payments", {YB_RECORD_PAYMENT}, 1},
    {"claims", {YB_RECORD_CLAIM, YB_RECORD_REVERSAL}, 2},
    {"settlements", {YB_RECORD_SETTLEMENT}, 1},
    {"fraud-alerts", {YB_RECORD_FRAUD_ALERT}, 1},
    {"dead-letters", {YB_RECORD_DEAD_LETTER}, 1},
};

static int topic_takes(const char *topic, yb_record_type type)
{
	const char *dot = strrchr(topic, '.');

	if (dot != NULL)
		topic = dot + 1;
	for (size_t i = 0; i < sizeof(topic_types) / sizeof(topic_types[0]); i++) {
		if (strcmp(topic_types[i].topic, topic) != 0)
			continue;
		for (int t = 0; t < topic_types[i].count; t++) {
			if (topic_types[i].types[t] == type)
				return 1;
		}
		return 0;
	}
	return 1;
}

static const char produce_summary[] =
    "Read records as JSON Lines and produce each to TOPIC as an Avro single-object\n"
    "message, keyed and timestamped as its schema says (yb.key, yb.time): a claim by\n"
    "member_id at submitted_at, a payment by member_id at paid_at, a reversal by the\n"
    "member_id of the claim it reverses. The product's topics take only their record\n"
    "types (claims: claim and reversal). Idempotent delivery; waits for every\n"
    "acknowledgement before it exits. A line that is not a valid record is reported\n"
    "and left out; the exit status is then 1.";

/* What produce's command line asks for. */
typedef struct produce_opts {
	const char *topic, *brokers, *transactional_id, *input;
	int select, skip_invalid;
	long rate;
} produce_opts;

/* Parse produce's command line into o and props: -1 to go on, else the exit code. */
static int produce_parse(int argc, char **argv, produce_opts *o, yb_props *props)
{
	const cli_opt opts[] = {
	    CLI_VALUE("topic", 't', &o->topic, "TOPIC", "the topic (required)"),
	    CLI_SWITCH(
		"select", 0, &o->select,
		"produce only the records of the types TOPIC carries\n(PREFIX.claims counts "
		"as claims, and so on),\npassing over the others (one input, several topics)"),
	    CLI_SWITCH("skip-invalid", 0, &o->skip_invalid,
		       "count lines that are not valid records instead of\nfailing on them (the "
		       "exit status stays 0)"),
	    CLI_VALUE("transactional-id", 0, &o->transactional_id, "ID",
		      "produce in transactions of 1000 records (read_committed\nconsumers see each "
		      "whole or not at all)"),
	    CLI_LONG("rate", 0, &o->rate, "N", 1, 100000000,
		     "at most N records a second (default: as fast as the\nbroker takes them), as "
		     "a live feed arrives"),
	    CLI_BROKERS(&o->brokers),
	    CLI_KAFKA(props),
	    CLI_ARG("FILE", &o->input, "the JSON Lines input (default or -: standard input)"),
	};
	const cli_command cmd = {"produce", "--topic TOPIC [options] [FILE|-]", produce_summary,
				 opts,      sizeof(opts) / sizeof(opts[0]),     NULL};
	int rc = cli_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (o->topic == NULL) {
		fprintf(stderr, "claimctl produce: --topic is required\n");
		return CLAIMCTL_EXIT_USAGE;
	}
	if (o->transactional_id != NULL)
		yb_props_set(props, "kafka.transactional.id", o->transactional_id);
	if (yb_props_get(props, "kafka.bootstrap.servers") == NULL)
		yb_props_set(props, "kafka.bootstrap.servers", o->brokers);
	return -1;
}

/* Sleep until sent records are due at rate a second since began. */
static void pace(const struct timespec *began, uint64_t sent, long rate)
{
	struct timespec now;
	int64_t due_ns = (int64_t)(sent * UINT64_C(1000000000) / (uint64_t)rate), elapsed_ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed_ns =
	    (int64_t)(now.tv_sec - began->tv_sec) * 1000000000 + (now.tv_nsec - began->tv_nsec);
	if (due_ns > elapsed_ns) {
		struct timespec wait = {.tv_sec = (due_ns - elapsed_ns) / 1000000000,
					.tv_nsec = (due_ns - elapsed_ns) % 1000000000};

		nanosleep(&wait, NULL);
	}
}

/* Produce every record of in to o->topic; YB_OK, or YB_EIO after saying why. */
static int produce_lines(run *r, const produce_opts *o, FILE *in, yb_producer *producer,
			 uint64_t *passed_over)
{
	struct timespec began;
	char *line = NULL, errstr[512];
	size_t cap = 0;
	uint64_t line_no = 0;
	yb_record record;
	int rc = YB_OK;

	catch_signals();
	clock_gettime(CLOCK_MONOTONIC, &began);
	while (!stop_requested) {
		int got = next_json_record(r, in, &line, &cap, &line_no, &record);
		int64_t time_ms;

		if (got == 0)
			break;
		if (got < 0)
			continue;
		if (!topic_takes(o->topic, record.type)) {
			if (o->select) {
				(*passed_over)++;
				continue;
			}
			fprintf(stderr, "%s:%" PRIu64 ": topic %s does not carry %s records\n",
				r->input_name, line_no, o->topic,
				yb_record_desc_of(record.type)->name);
			r->refused++;
			continue;
		}
		if (yb_avro_encode(&record, &r->buf, errstr, sizeof(errstr)) != YB_OK) {
			fprintf(stderr, "%s:%" PRIu64 ": %s\n", r->input_name, line_no, errstr);
			r->refused++;
			continue;
		}
		time_ms = yb_record_time(&record);
		if (yb_producer_send(producer, o->topic, yb_record_key(&record), r->buf.data,
				     r->buf.len, time_ms > 0 ? time_ms : 0, errstr,
				     sizeof(errstr)) != YB_OK) {
			fprintf(stderr, "claimctl produce: %s\n", errstr);
			rc = YB_EIO;
			break;
		}
		r->ok++;
		if (o->rate > 0)
			pace(&began, r->ok, o->rate);
		if (yb_producer_transactional(producer) && r->ok % 1000 == 0 &&
		    (yb_producer_commit(producer, 60000, errstr, sizeof(errstr)) != YB_OK ||
		     yb_producer_begin(producer, errstr, sizeof(errstr)) != YB_OK)) {
			fprintf(stderr, "claimctl produce: %s\n", errstr);
			yb_producer_abort(producer, 30000, errstr, sizeof(errstr));
			rc = YB_EIO;
			break;
		}
	}
	free(line);
	return rc;
}

int claimctl_produce(int argc, char **argv)
{
	produce_opts o = {.brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS)};
	int exit_code, have_run = 0;
	uint64_t passed_over = 0;
	yb_props *props = yb_props_new();
	yb_producer *producer = NULL;
	FILE *in = NULL;
	run r;
	char errstr[512];

	if (props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	exit_code = produce_parse(argc, argv, &o, props);
	if (exit_code >= 0)
		goto out;
	exit_code = CLAIMCTL_EXIT_FAILURE;
	in = claimctl_open_input("produce", o.input);
	if (in == NULL || run_init(&r, "produce") != YB_OK)
		goto out;
	have_run = 1;
	r.input_name = in == stdin ? "stdin" : o.input;
	r.quiet = o.skip_invalid;
	if (yb_producer_new(&producer, props, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl produce: %s\n", errstr);
		goto out;
	}
	if (yb_producer_transactional(producer) &&
	    yb_producer_begin(producer, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl produce: %s\n", errstr);
		goto out;
	}
	if (produce_lines(&r, &o, in, producer, &passed_over) != YB_OK)
		goto out;
	if (yb_producer_transactional(producer) &&
	    yb_producer_commit(producer, 60000, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl produce: %s\n", errstr);
		yb_producer_abort(producer, 30000, errstr, sizeof(errstr));
		goto out;
	}
	if (yb_producer_flush(producer, 30000) != YB_OK) {
		fprintf(stderr, "claimctl produce: messages still unacknowledged after 30 s\n");
		goto out;
	}
	if (yb_producer_failed(producer) > 0) {
		fprintf(stderr, "claimctl produce: %" PRIu64 " message(s) not delivered\n",
			yb_producer_failed(producer));
		goto out;
	}
	if (r.invalid > 0)
		fprintf(stderr,
			"claimctl produce: %" PRIu64 " line(s) not valid records, skipped\n",
			r.invalid);
	if (o.select && passed_over > 0 && isatty(STDERR_FILENO))
		fprintf(stderr,
			"claimctl produce: %" PRIu64 " record(s) for other topics passed over\n",
			passed_over);
	exit_code = run_finish(&r, "produced");
out:
	yb_producer_destroy(producer);
	if (in != NULL && in != stdin)
		fclose(in);
	if (have_run)
		run_free(&r);
	yb_props_destroy(props);
	return exit_code;
}

/* --- consume ----------------------------------------------------------------------------- */

static const char consume_summary[] =
    "Print the records of TOPIC as JSON Lines, as kcat -C does for text. Reads\n"
    "committed data only (read_committed) from every partition, outside any consumer\n"
    "group unless --group is given: it commits nothing and leaves no group behind,\n"
    "so production consumers and lag figures are not disturbed.\n"
    "A message that cannot be decoded is printed as a dead_letter record naming its\n"
    "topic/partition/offset and the problem, with the original bytes; the exit status\n"
    "is then 1.";

/* What consume's command line asks for. */
typedef struct consume_opts {
	const char *topic, *group, *brokers;
	writer_list writers;
	int from_beginning, stop_at_end, envelope;
	long max;
} consume_opts;

/* Parse consume's command line into o and props: -1 to go on, else the exit code. */
static int consume_parse(int argc, char **argv, consume_opts *o, yb_props *props)
{
	const cli_opt opts[] = {
	    CLI_VALUE("topic", 't', &o->topic, "TOPIC", "the topic (required)"),
	    CLI_SWITCH("from-beginning", 0, &o->from_beginning,
		       "start at the oldest message (default: only new ones)"),
	    CLI_LONG("max", 'n', &o->max, "N", 1, LONG_MAX, "stop after N records"),
	    CLI_SWITCH("end", 'e', &o->stop_at_end,
		       "stop at the end of every partition (as kcat -e)"),
	    CLI_VALUE("group", 'G', &o->group, "GROUP",
		      "consume as a member of GROUP, committing offsets"),
	    CLI_SWITCH("envelope", 'J', &o->envelope,
		       "each record inside an envelope with where it was read,\nas kcat -J: "
		       "{\"topic\", \"partition\", \"offset\",\n\"timestamp_ms\", \"key\", "
		       "\"record\"}"),
	    CLI_CALL("writer-schema", 'w', &o->writers, "FILE", add_writer_schema,
		     "an .avsc a producer wrote with (repeatable)"),
	    CLI_BROKERS(&o->brokers),
	    CLI_KAFKA(props),
	};
	const cli_command cmd = {"consume",
				 "--topic TOPIC [options]",
				 consume_summary,
				 opts,
				 sizeof(opts) / sizeof(opts[0]),
				 "Without --max or --end it runs until interrupted (Ctrl-C).\n"};
	int rc = cli_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (o->topic == NULL) {
		fprintf(stderr, "claimctl consume: --topic is required\n");
		return CLAIMCTL_EXIT_USAGE;
	}
	if (yb_props_get(props, "kafka.bootstrap.servers") == NULL)
		yb_props_set(props, "kafka.bootstrap.servers", o->brokers);
	if (o->group != NULL) {
		yb_props_set(props, "kafka.group.id", o->group);
		if (yb_props_get(props, "kafka.auto.offset.reset") == NULL)
			yb_props_set(props, "kafka.auto.offset.reset",
				     o->from_beginning ? "earliest" : "latest");
	}
	return -1;
}

/* The record inside kcat -J's envelope: where it was read, then the record. */
static int print_enveloped(const yb_message *m, const yb_record *record)
{
	json_t *key = m->key != NULL ? json_stringn(m->key, m->key_len) : NULL;
	json_t *out = json_pack("{s:s, s:i, s:I, s:I, s:o, s:o}", "topic", m->topic, "partition",
				(int)m->partition, "offset", (json_int_t)m->offset, "timestamp_ms",
				(json_int_t)m->timestamp_ms, "key", key != NULL ? key : json_null(),
				"record", yb_json_encode(record));
	int rc = out != NULL && json_dumpf(out, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 &&
			 putchar('\n') != EOF
		     ? YB_OK
		     : YB_EIO;

	json_decref(out);
	return rc;
}

/* A dead_letter record for a message that could not be decoded (kept whole: stdout has no
 * broker's limit). */
static int print_dead_letter(const yb_message *m, const char *error, int envelope)
{
	yb_record record;
	yb_dead_letter_text text;
	char source[512];

	memset(&record, 0, sizeof(record));
	record.type = YB_RECORD_DEAD_LETTER;
	snprintf(source, sizeof(source), "%s/%d/%" PRId64, m->topic, (int)m->partition, m->offset);
	yb_dead_letter_fill(&record.as.dead_letter, &text, source, error, m->value, m->len,
			    SIZE_MAX);
	if (m->timestamp_ms >= YB_INSTANT_MIN && m->timestamp_ms <= YB_INSTANT_MAX) {
		record.as.dead_letter.has_failed_at = true;
		record.as.dead_letter.failed_at = m->timestamp_ms;
	}
	return envelope ? print_enveloped(m, &record) : yb_json_write_line(&record, NULL, stdout);
}

int claimctl_consume(int argc, char **argv)
{
	consume_opts o = {.brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS),
			  .max = LONG_MAX};
	int exit_code, have_run = 0, ended = 0;
	yb_props *props = yb_props_new();
	yb_consumer *consumer = NULL;
	char errstr[512];
	run r;

	if (props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	exit_code = consume_parse(argc, argv, &o, props);
	if (exit_code >= 0)
		goto out;
	exit_code = CLAIMCTL_EXIT_FAILURE;
	if (run_init(&r, "consume") != YB_OK)
		goto out;
	have_run = 1;
	for (int i = 0; i < o.writers.count; i++) {
		if (add_writer_file(&r, o.writers.paths[i]) != YB_OK)
			goto out;
	}
	if (yb_consumer_new(&consumer, props, errstr, sizeof(errstr)) != YB_OK ||
	    (o.group != NULL ? yb_consumer_subscribe(consumer, o.topic, errstr, sizeof(errstr))
			     : yb_consumer_assign_all(consumer, o.topic,
						      o.from_beginning ? YB_CONSUMER_FROM_BEGINNING
								       : YB_CONSUMER_FROM_END,
						      10000, errstr, sizeof(errstr))) != YB_OK) {
		fprintf(stderr, "claimctl consume: %s\n", errstr);
		goto out;
	}
	catch_signals();
	while (!stop_requested && r.ok + r.refused < (uint64_t)o.max) {
		yb_message m;
		yb_record record;
		int got = yb_consumer_poll(consumer, 200, &m, errstr, sizeof(errstr));

		if (got < 0) {
			fprintf(stderr, "claimctl consume: %s\n", errstr);
			goto out;
		}
		if (got == YB_POLL_PARTITION_END) {
			/* Each partition reports its end once per catch-up; with plain assignment
			 * every partition reports, so counting them is enough. */
			if (o.stop_at_end && o.group == NULL &&
			    ++ended >= yb_consumer_partition_count(consumer))
				break;
			continue;
		}
		if (got != YB_POLL_MESSAGE)
			continue;
		yb_arena_reset(&r.arena);
		if (yb_avro_decode(r.avro, m.value, m.len, &r.arena, &record, errstr,
				   sizeof(errstr)) != YB_OK) {
			fprintf(stderr, "%s/%d/%" PRId64 ": %s\n", m.topic, (int)m.partition,
				m.offset, errstr);
			r.refused++;
			if (print_dead_letter(&m, errstr, o.envelope) != YB_OK)
				goto out;
			continue;
		}
		if ((o.envelope ? print_enveloped(&m, &record) : print_record(&r, &record)) !=
		    YB_OK)
			goto out;
		r.ok++;
	}
	exit_code = fflush(stdout) == 0 ? run_finish(&r, "consumed") : CLAIMCTL_EXIT_FAILURE;
out:
	yb_consumer_destroy(consumer);
	if (have_run)
		run_free(&r);
	yb_props_destroy(props);
	return exit_code;
}
