/*
 * Fuzz target: the policy file parser (rules/policy.h), which reads what operators and
 * auditors write by hand (what-if replays load edited copies). Whatever the text, parsing
 * must stay in bounds; and a policy it accepts must have a version in force on its first
 * day and a citation for every key the version sets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "rules/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static yb_policy_set set;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errstr[256];

	if (yb_policy_parse(&set, "fuzz.policy", (const char *)data, size, errstr,
			    sizeof(errstr)) != YB_OK)
		return 0;
	if (set.count < 1 || set.count > YB_POLICY_MAX_VERSIONS)
		abort();
	for (int v = 0; v < set.count; v++) {
		const yb_policy *p = &set.versions[v];

		if (p->effective_to >= p->effective_from &&
		    yb_policy_in_force(&set, p->effective_from) != p)
			abort();
		if (p->cite[YB_PK_SCHEME_KIND][0] == '\0' || p->cite[YB_PK_CAP][0] == '\0')
			abort();
	}
	return 0;
}
