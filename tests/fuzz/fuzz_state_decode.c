/*
 * Fuzz target: the stored forms of the pipeline's state, as Redis hands them back
 * (ledger/ledger.h, rules/member.h). The first byte chooses one: a claim's recorded state or
 * a year's packed accumulators. Whatever the bytes, unpacking stays in bounds; what is
 * accepted packs again to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "base/error.h"
#include "rules/member.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void claim_state(const uint8_t *data, size_t size)
{
	yb_claim_state s, back;
	yb_buf packed = {0}, again = {0};

	if (yb_claim_state_unpack(data, size, "C", &s) != YB_OK)
		return;
	if (strlen(s.member_id) + 1 > size || s.settlement_len > size ||
	    (s.reversal != NULL && s.reversal_len > size))
		abort();
	/* Repacked and unpacked, it packs to the same bytes (the first packing may normalise
	 * a varint written longer than it needs). */
	if (yb_claim_state_pack(&s, &packed) != YB_OK ||
	    yb_claim_state_unpack(packed.data, packed.len, "C", &back) != YB_OK ||
	    yb_claim_state_pack(&back, &again) != YB_OK || again.len != packed.len ||
	    memcmp(again.data, packed.data, packed.len) != 0)
		abort();
	yb_buf_free(&packed);
	yb_buf_free(&again);
}

static void year(const uint8_t *data, size_t size)
{
	yb_year_acc acc, back;
	uint8_t packed[YB_YEAR_ACC_PACKED_MAX], again[YB_YEAR_ACC_PACKED_MAX];
	long used = yb_year_acc_unpack(data, size, &acc);
	size_t n;

	if (used < 0)
		return;
	if ((size_t)used > size || acc.chronic_count > YB_ACC_MAX_CHRONIC ||
	    acc.stay_count > YB_ACC_MAX_STAYS)
		abort();
	n = yb_year_acc_pack(&acc, packed);
	if (yb_year_acc_unpack(packed, n, &back) != (long)n ||
	    yb_year_acc_pack(&back, again) != n || memcmp(packed, again, n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		claim_state(data + 1, size - 1);
	else
		year(data + 1, size - 1);
	return 0;
}
