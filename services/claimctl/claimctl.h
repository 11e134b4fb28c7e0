/*
 * claimctl: the operator's and auditor's command-line tool. main.c dispatches to one
 * function per subcommand; each parses its own options and returns the process exit code.
 */
#ifndef YB_CLAIMCTL_H
#define YB_CLAIMCTL_H

/* Exit codes of every subcommand. */
enum {
	CLAIMCTL_EXIT_OK = 0,
	CLAIMCTL_EXIT_FAILURE = 1, /* the work failed: a server unreachable, bad input */
	CLAIMCTL_EXIT_USAGE = 2,   /* the command line is wrong */
};

/* Defaults shared by subcommands that talk to the local pipeline (deploy/local/start). */
#define CLAIMCTL_DEFAULT_BROKERS "127.0.0.1:19092"
#define CLAIMCTL_DEFAULT_REDIS   "127.0.0.1:16379"

int claimctl_status(int argc, char **argv);

#endif
