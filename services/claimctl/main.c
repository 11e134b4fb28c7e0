/*
 * claimctl: subcommand dispatch, --help and --version.
 */
#include <stdio.h>
#include <string.h>

#include "claimctl.h"
#include "io/log.h"

typedef struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"status", claimctl_status,
     "show the broker (topics, partitions, log size) and Redis (version, keys)"},
    {"adjudicate", claimctl_adjudicate,
     "adjudicate JSON Lines inputs offline: settlements and dead letters out"},
    {"generate", claimctl_generate, "write a seeded sample of inputs (any size) as JSON Lines"},
    {"report", claimctl_report, "summarise settlements: by scheme, status, reason and fund"},
    {"lag", claimctl_lag, "consumer lag per group and partition, in messages and seconds"},
    {"replay", claimctl_replay,
     "re-adjudicate recorded inputs and compare with recorded settlements (what-if: --policies)"},
    {"rebuild", claimctl_rebuild,
     "refill Redis (member state, accumulators, recorded claims) from the topics"},
    {"reset-offsets", claimctl_reset_offsets,
     "move a consumer group's offsets (dry run unless --execute)"},
    {"encode", claimctl_encode, "JSON Lines records -> framed Avro single-object messages"},
    {"decode", claimctl_decode, "framed Avro single-object messages -> JSON Lines"},
    {"produce", claimctl_produce, "produce JSON Lines records to a topic as Avro"},
    {"consume", claimctl_consume, "print a topic's records as JSON Lines"},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: claimctl <command> [options]\n"
		     "\n"
		     "The command-line tool of the claims adjudication pipeline.\n"
		     "\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-14s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n"
		     "Run 'claimctl <command> --help' for a command's options.\n"
		     "Exit status: 0 success, 1 the work failed, 2 a wrong command line.\n");
}

int main(int argc, char **argv)
{
	yb_log_set_service("claimctl");
	if (argc < 2) {
		usage(stderr);
		return CLAIMCTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLAIMCTL_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("claimctl %s\n", YB_VERSION);
		return CLAIMCTL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "claimctl: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return CLAIMCTL_EXIT_USAGE;
}
