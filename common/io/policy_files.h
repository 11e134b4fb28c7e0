/*
 * Reading the policies/ directory: every <scheme>.policy file in it, parsed and validated
 * (rules/policy.h). The services and claimctl load the same files the same way.
 */
#ifndef YB_IO_POLICY_FILES_H
#define YB_IO_POLICY_FILES_H

#include <stddef.h>

#include "fraud/fraud.h"
#include "rules/policy.h"

/*
 * *sets = a malloc'ed array of every policy in dir (files ending ".policy", sorted by
 * name), *count their number. Returns YB_OK; YB_EIO when dir or a file cannot be read;
 * YB_EINVAL with errstr "FILE:LINE: key 'K': ..." when a policy is malformed or incomplete,
 * or when two files name one scheme, or the file name is not the scheme's. Nothing is
 * returned unless every file is good.
 */
int yb_policy_load_dir(const char *dir, yb_policy_set **sets, size_t *count, char *errstr,
		       size_t errlen);

/*
 * hex = the fingerprint of the policies in dir, which names a policy set wherever its copy
 * lives: the SHA-256, as 64 lowercase hex digits, over the files yb_policy_load_dir reads
 * (ending ".policy", in byte order of name), each framed as its name, a NUL, its length in
 * decimal, a NUL, then its bytes. Any edit to a policy changes it; other files (fraud.conf)
 * do not count. The files are read, not parsed. From a shell, in dir:
 *
 *   for f in $(LC_ALL=C ls *.policy); do printf '%s\0%s\0' "$f" "$(wc -c <"$f")"; cat "$f"; done |
 * sha256sum
 *
 * Returns YB_OK; YB_EIO when dir or a file cannot be read; YB_EINVAL (errstr) when dir has no
 * policy file or more than yb_policy_load_dir takes. hex is "" unless YB_OK.
 */
int yb_policy_dir_fingerprint(const char *dir, char hex[65], char *errstr, size_t errlen);

/*
 * Read the fraud rules' parameters (policies/fraud.conf). Returns YB_OK; YB_EIO when the file
 * cannot be read; YB_EINVAL with errstr "FILE:LINE: key 'K': ..." when it is malformed.
 */
int yb_fraud_params_load(const char *path, yb_fraud_params *out, char *errstr, size_t errlen);

/* The fraud parameters' file of a policies directory: DIR/fraud.conf. */
#define YB_FRAUD_PARAMS_FILE "fraud.conf"

#endif
