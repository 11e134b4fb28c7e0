/*
 * Fuzz target: the fraud rules' decoders of outside input (fraud/fraud.h). The first byte
 * chooses one: policies/fraud.conf as an operator edits it, a member's window entry or an
 * amount sample as Redis hands them back. Whatever the bytes, decoding stays in bounds; what
 * is accepted is sane (a config with every key, a visit whose ids are terminated), and a
 * visit or sample packed again reads back the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fraud/fraud.h"
#include "base/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void params(const uint8_t *data, size_t size)
{
	yb_fraud_params p;
	char errstr[256];

	if (yb_fraud_params_parse((const char *)data, size, &p, errstr, sizeof(errstr)) != 0)
		return;
	if (p.member_window_days < 1 || p.outlier_min_samples > p.outlier_max_samples ||
	    p.outlier_max_samples > YB_FRAUD_GROUP_MAX ||
	    p.female_dx_count > YB_FRAUD_MAX_DX_PREFIXES)
		abort();
	for (int r = 0; r < YB_FRAUD_RULE_COUNT; r++) {
		if (p.severity[r] < 0 || p.severity[r] > 3)
			abort();
	}
}

static void visit(const uint8_t *data, size_t size)
{
	yb_fraud_visit v, back;
	uint8_t packed[512], again[512];
	size_t n;

	if (yb_fraud_visit_unpack(data, size, &v) != 0)
		return;
	if (memchr(v.claim_id, '\0', sizeof(v.claim_id)) == NULL ||
	    memchr(v.institution_id, '\0', sizeof(v.institution_id)) == NULL ||
	    memchr(v.dx, '\0', sizeof(v.dx)) == NULL)
		abort();
	n = yb_fraud_visit_pack(&v, packed, sizeof(packed));
	if (n == 0 || yb_fraud_visit_unpack(packed, n, &back) != 0 ||
	    yb_fraud_visit_pack(&back, again, sizeof(again)) != n || memcmp(packed, again, n) != 0)
		abort();
}

static void sample(const uint8_t *data, size_t size)
{
	yb_fraud_sample s, back;
	uint8_t packed[64];
	size_t n;

	if (yb_fraud_sample_unpack(data, size, &s) != 0)
		return;
	n = yb_fraud_sample_pack(&s, packed, sizeof(packed));
	if (n != size || yb_fraud_sample_unpack(packed, n, &back) != 0 ||
	    back.claim_hash != s.claim_hash || back.day != s.day || back.total_fen != s.total_fen)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		params(data + 1, size - 1);
		break;
	case 1:
		visit(data + 1, size - 1);
		break;
	default:
		sample(data + 1, size - 1);
		break;
	}
	return 0;
}
