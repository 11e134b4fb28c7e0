/*
 * The ledger's rules of what a claim is judged on and what a claim_id means
 * (ledger/ledger.h, docs/ARCHITECTURE.md "What a claim is judged on"), each with its near
 * miss:
 *   - a claim is judged on the member's events its view names (judged_on), folded up to
 *     its own submitted_at, whatever else the ledger holds and in whatever order claims of
 *     other times came before it;
 *   - a claim_id is one member's: another member's claim with it is refused
 *     CONFLICTING_DUPLICATE, the same member's repeat is a duplicate, and a repeat with
 *     other content says CONFLICTING_DUPLICATE too;
 *   - what the pipeline cannot take is refused with a reason: a Kafka key that is not the
 *     member_id, an empty claim_id or diagnosis code, items that do not add up to the total;
 *   - a record past its keep_until is no longer answered from, and the stored forms round
 *     trip and refuse what is not theirs.
 *
 * The worked example is 营口 YK-01 of tests/data/examples (营口 第二十二条(一)(二)): a stay of
 * 12,000 yuan, 10,000 of it compliant, at a 三级甲等 general hospital:
 *   deductible 700; (5,000 − 700) × 60% = 2,580 + (10,000 − 5,000) × 70% = 3,500
 *   → the fund pays 6,080.00 yuan (608,000 fen), the patient 5,920.00 (592,000 fen).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/avro.h"
#include "codec/json.h"
#include "io/policy_files.h"
#include "ledger/ledger.h"
#include "base/error.h"

#define ARENAS 16

static char memory[ARENAS][64 * 1024];
static int next_arena;
static yb_policy_set *sets;
static size_t set_count;
static char text[8192];

static const char institution[] =
    "{\"type\":\"institution\",\"institution_id\":\"YK3A\",\"level\":3,\"grade\":\"A\","
    "\"kind\":\"general\",\"ownership\":\"public\",\"designated\":true}";
static const char enroll[] =
    "{\"type\":\"enrollment\",\"event_id\":\"E1\",\"member_id\":\"M1\",\"scheme\":\"yingkou-"
    "resident\",\"action\":\"enroll\",\"category\":\"adult\",\"sex\":\"F\",\"birth_date\":"
    "\"1980-05-01\",\"event_time\":\"2022-10-01T10:00:00+08:00\"}";
static const char premium[] =
    "{\"type\":\"payment\",\"event_id\":\"P1\",\"member_id\":\"M1\",\"scheme\":\"yingkou-"
    "resident\",\"kind\":\"premium\",\"coverage_year\":2024,\"amount_fen\":38000,\"paid_at\":"
    "\"2023-11-15T10:00:00+08:00\"}";
/* YK-01: the stay of the worked example, for member M1. */
static const char stay[] =
    "{\"type\":\"claim\",\"claim_id\":\"C1\",\"member_id\":\"M1\",\"scheme\":\"yingkou-"
    "resident\",\"institution_id\":\"YK3A\",\"visit_type\":\"inpatient\",\"admission_date\":"
    "\"2024-03-01\",\"discharge_date\":\"2024-03-10\",\"total_fen\":1200000,\"compliant_fen\":"
    "1000000,\"submitted_at\":\"2024-03-10T18:00:00+08:00\"}";

static int setup(void **state)
{
	char errstr[256];

	(void)state;
	if (yb_policy_load_dir(YB_TEST_POLICIES_DIR, &sets, &set_count, errstr, sizeof(errstr)) !=
	    YB_OK) {
		fprintf(stderr, "%s\n", errstr);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(sets);
	return 0;
}

/* A record from JSON, in an arena of its own (kept until ARENAS records later). */
static yb_record record(const char *json)
{
	yb_arena arena;
	yb_record r;
	char errstr[256];

	yb_arena_init(&arena, memory[next_arena++ % ARENAS], sizeof(memory[0]));
	if (yb_json_decode(json, strlen(json), &arena, &r, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("%s: %s", json, errstr);
	return r;
}

/* The record with text replaced: one field changed in the JSON. */
static yb_record record_with(const char *json, const char *from, const char *to)
{
	static char changed[4096];
	const char *at = strstr(json, from);

	assert_non_null(at);
	snprintf(changed, sizeof(changed), "%.*s%s%s", (int)(at - json), json, to,
		 at + strlen(from));
	return record(changed);
}

static yb_ledger *ledger_new(void)
{
	yb_ledger *l = NULL;

	assert_int_equal(yb_ledger_new(&l, sets, set_count), YB_OK);
	return l;
}

/* Add an event at partition 0, offset; the Avro bytes as a producer would send them. */
static void add_event(yb_ledger *l, const char *json, int64_t offset)
{
	yb_record r = record(json);
	yb_buf buf = {0};
	char errstr[256];
	bool enrollment = r.type == YB_RECORD_ENROLLMENT;

	assert_int_equal(yb_ledger_admit(l, &r, NULL, 0, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_avro_encode(&r, &buf, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(
	    yb_ledger_add_event(l, enrollment ? r.as.enrollment.member_id : r.as.payment.member_id,
				yb_record_time(&r),
				enrollment ? YB_LEDGER_RANK_ENROLLMENT : YB_LEDGER_RANK_PAYMENT, 0,
				offset, buf.data, buf.len),
	    YB_OK);
	yb_buf_free(&buf);
}

/* A ledger with the institution and member M1's enrollment (offset 0) and premium (0). */
static yb_ledger *covered(void)
{
	yb_ledger *l = ledger_new();
	yb_record i = record(institution);
	char errstr[256];

	assert_int_equal(yb_ledger_add_institution(l, &i.as.institution, 0, errstr, sizeof(errstr)),
			 0);
	add_event(l, enroll, 0);
	add_event(l, premium, 0);
	return l;
}

/* Judge a record on view (NULL: everything); the settlement's JSON into text. */
static const char *judge_record(yb_ledger *l, const yb_record *r, const yb_judged_on *on)
{
	yb_record out = {.type = YB_RECORD_SETTLEMENT};
	const yb_settlement *s = NULL;
	yb_buf buf = {0};
	char errstr[256];

	assert_int_equal(yb_ledger_judge(l, r, on, &s, errstr, sizeof(errstr)), 1);
	out.as.settlement = *s;
	assert_int_equal(yb_json_format(&out, &buf), YB_OK);
	snprintf(text, sizeof(text), "%.*s", (int)buf.len, (const char *)buf.data);
	yb_buf_free(&buf);
	return text;
}

/* The same for a record given as JSON. */
static const char *judge(yb_ledger *l, const char *json, const yb_judged_on *on)
{
	yb_record r = record(json);

	return judge_record(l, &r, on);
}

#define assert_has(haystack, needle)                                         \
	do {                                                                 \
		if (strstr((haystack), (needle)) == NULL)                    \
			fail_msg("expected %s in %s", (needle), (haystack)); \
	} while (0)

/* The view of partition 0 at claim offset 5: enrollments and payments before e and p. */
static yb_judged_on view(int64_t e, int64_t p)
{
	yb_judged_on on = {
	    .partition = 0, .offset = 5, .enrollments = e, .payments = p, .institutions = 1};

	return on;
}

static void a_claim_is_judged_on_the_events_its_view_names(void **state)
{
	yb_judged_on before = view(0, 1), after = view(1, 1);
	yb_ledger *l;

	(void)state;
	/* The premium applied, the enrollment (offset 0) not yet: NOT_ENROLLED, though the
	 * ledger holds the enrollment. */
	l = covered();
	assert_has(judge(l, stay, &before),
		   "\"status\":\"rejected\",\"reasons\":[\"NOT_ENROLLED\"]");
	assert_has(text, "\"judged_on\":{\"partition\":0,\"offset\":5,\"enrollments\":0,"
			 "\"payments\":1,\"institutions\":1}");
	yb_ledger_destroy(l);
	/* The near miss: the enrollment applied. The worked example: fund 608,000 fen. */
	l = covered();
	assert_has(judge(l, stay, &after), "\"status\":\"settled\"");
	assert_has(text, "\"deductible_fen\":70000,\"fund_pay_fen\":608000");
	assert_has(text, "\"cash_pay_fen\":592000");
	yb_ledger_destroy(l);
	/* An event of another partition is not the claim's: not folded. */
	l = covered();
	after.partition = 1;
	assert_has(judge(l, stay, &after), "NOT_ENROLLED");
	yb_ledger_destroy(l);
}

static void events_stamped_after_the_claim_are_not_folded(void **state)
{
	yb_judged_on on = view(9, 9);
	yb_ledger *l = ledger_new();
	yb_record i = record(institution);
	char errstr[256];

	(void)state;
	assert_int_equal(yb_ledger_add_institution(l, &i.as.institution, 0, errstr, sizeof(errstr)),
			 0);
	/* Enrolled on 2024-03-11, the day after the claim was filed: not enrolled for it. */
	add_event(l,
		  "{\"type\":\"enrollment\",\"event_id\":\"E1\",\"member_id\":\"M1\",\"scheme\":"
		  "\"yingkou-resident\",\"action\":\"enroll\",\"category\":\"adult\",\"sex\":"
		  "\"F\",\"birth_date\":\"1980-05-01\",\"event_time\":\"2024-03-11T10:00:00+08:"
		  "00\"}",
		  0);
	add_event(l, premium, 0);
	assert_has(judge(l, stay, &on), "NOT_ENROLLED");
	yb_ledger_destroy(l);
}

static void claims_out_of_time_order_are_judged_as_of_their_own_time(void **state)
{
	/* M1 is terminated from 2024-03-05 (effective_date). A claim filed 2024-03-20 comes
	 * first, then one of a stay filed 2024-03-10: the second is judged as of its own
	 * submitted_at — the termination applies to it by its effective day, exactly as when it
	 * is judged alone in a fresh ledger. */
	static const char terminate[] =
	    "{\"type\":\"enrollment\",\"event_id\":\"E2\",\"member_id\":\"M1\",\"scheme\":"
	    "\"yingkou-resident\",\"action\":\"terminate\",\"reason\":\"moved_out\","
	    "\"effective_date\":\"2024-03-15\",\"event_time\":\"2024-03-12T10:00:00+08:00\"}";
	static const char later[] =
	    "{\"type\":\"claim\",\"claim_id\":\"C9\",\"member_id\":\"M1\",\"scheme\":\"yingkou-"
	    "resident\",\"institution_id\":\"YK3A\",\"visit_type\":\"outpatient\",\"service_"
	    "date\":\"2024-03-18\",\"total_fen\":10000,\"compliant_fen\":10000,\"submitted_at\":"
	    "\"2024-03-20T10:00:00+08:00\"}";
	yb_judged_on on = view(9, 9);
	char alone[8192];
	yb_ledger *l;

	(void)state;
	l = covered();
	add_event(l, terminate, 1);
	assert_has(judge(l, stay, &on), "\"status\":\"settled\"");
	snprintf(alone, sizeof(alone), "%s", text);
	yb_ledger_destroy(l);

	l = covered();
	add_event(l, terminate, 1);
	assert_has(judge(l, later, &on), "COVERAGE_TERMINATED");
	judge(l, stay, &on);
	assert_string_equal(text, alone);
	yb_ledger_destroy(l);
}

static void a_claim_id_belongs_to_one_member(void **state)
{
	yb_judged_on on = view(9, 9);
	yb_ledger *l = covered();
	yb_record other;

	(void)state;
	add_event(l,
		  "{\"type\":\"enrollment\",\"event_id\":\"E7\",\"member_id\":\"M2\",\"scheme\":"
		  "\"yingkou-resident\",\"action\":\"enroll\",\"category\":\"adult\",\"sex\":"
		  "\"M\",\"birth_date\":\"1970-01-01\",\"event_time\":\"2022-10-01T10:00:00+08:"
		  "00\"}",
		  1);
	assert_has(judge(l, stay, &on), "\"status\":\"settled\"");
	/* M2 sends a claim under M1's claim_id: refused, nothing paid, nothing moved. */
	other = record_with(stay, "\"member_id\":\"M1\"", "\"member_id\":\"M2\"");
	judge_record(l, &other, &on);
	assert_has(text, "\"member_id\":\"M2\"");
	assert_has(text, "\"status\":\"rejected\",\"reasons\":[\"CONFLICTING_DUPLICATE\"]");
	assert_has(text, "\"fund_pay_fen\":0");
	assert_has(text, "\"cash_pay_fen\":1200000");
	assert_has(text, "\"duplicate\":true");
	/* M1's own repeat: its recorded settlement, a plain duplicate. */
	assert_has(judge(l, stay, &on), "\"fund_pay_fen\":608000");
	assert_has(text, "\"reasons\":[],");
	assert_has(text, "\"duplicate\":true");
	/* ... submitted again later, same content: still a plain duplicate. */
	other = record_with(stay, "2024-03-10T18:00:00", "2024-03-11T09:00:00");
	judge_record(l, &other, &on);
	assert_has(text, "\"reasons\":[],");
	/* ... with other content (another total): the hospital is told it was not taken. */
	other = record_with(stay, "\"total_fen\":1200000", "\"total_fen\":1300000");
	judge_record(l, &other, &on);
	assert_has(text, "\"reasons\":[\"CONFLICTING_DUPLICATE\"]");
	assert_has(text, "\"fund_pay_fen\":608000");
	assert_has(text, "\"duplicate\":true");
	yb_ledger_destroy(l);
}

static void the_registry_s_owner_refuses_other_members(void **state)
{
	yb_judged_on on = view(9, 9);
	yb_ledger *l = covered();

	(void)state;
	/* The adjudicator's registry says C1 is M7's (settled in another partition). */
	assert_int_equal(yb_ledger_load_owner(l, "C1", "M7"), YB_OK);
	assert_has(judge(l, stay, &on), "CONFLICTING_DUPLICATE");
	yb_ledger_destroy(l);
	/* The near miss: the registry names M1 itself (registered before a crash). */
	l = covered();
	assert_int_equal(yb_ledger_load_owner(l, "C1", "M1"), YB_OK);
	assert_has(judge(l, stay, &on), "\"fund_pay_fen\":608000");
	assert_has(text, "\"duplicate\":false");
	yb_ledger_destroy(l);
}

static void a_referral_counts_only_from_the_member_s_own_stay(void **state)
{
	/* 营口 第二十二条(一): a stay transferred from a lower level pays only the difference of
	 * the deductibles: 700 − 300 = 400 yuan after a level-1 stay. Referred from another
	 * member's claim_id it is no transfer: the whole 700. */
	yb_judged_on on = view(9, 9);
	yb_ledger *l = covered();
	yb_record first = record_with(stay, "\"institution_id\":\"YK3A\"",
				      "\"institution_id\":\"YK1\""),
		  level1 = record("{\"type\":\"institution\",\"institution_id\":\"YK1\",\"level\":"
				  "1,\"kind\":\"general\",\"ownership\":\"public\","
				  "\"designated\":true}"),
		  own, others;
	char errstr[256];

	(void)state;
	assert_int_equal(
	    yb_ledger_add_institution(l, &level1.as.institution, 0, errstr, sizeof(errstr)), 0);
	add_event(l,
		  "{\"type\":\"enrollment\",\"event_id\":\"E7\",\"member_id\":\"M2\",\"scheme\":"
		  "\"yingkou-resident\",\"action\":\"enroll\",\"category\":\"adult\",\"sex\":"
		  "\"M\",\"birth_date\":\"1970-01-01\",\"event_time\":\"2022-10-01T10:00:00+08:"
		  "00\"}",
		  1);
	add_event(l,
		  "{\"type\":\"payment\",\"event_id\":\"P7\",\"member_id\":\"M2\",\"scheme\":"
		  "\"yingkou-resident\",\"kind\":\"premium\",\"coverage_year\":2024,"
		  "\"amount_fen\":38000,\"paid_at\":\"2023-11-15T10:00:00+08:00\"}",
		  1);
	judge_record(l, &first, &on);
	assert_has(text, "\"deductible_fen\":30000");
	own = record_with(stay, "\"claim_id\":\"C1\"",
			  "\"claim_id\":\"C2\",\"referred_from_claim_id\":\"C1\"");
	judge_record(l, &own, &on);
	assert_has(text, "\"deductible_fen\":40000");
	others = record_with(stay, "\"claim_id\":\"C1\",\"member_id\":\"M1\"",
			     "\"claim_id\":\"C3\",\"member_id\":\"M2\",\"referred_from_claim_id\":"
			     "\"C1\"");
	judge_record(l, &others, &on);
	assert_has(text, "\"deductible_fen\":70000");
	yb_ledger_destroy(l);
}

static void what_the_pipeline_cannot_take_is_refused_with_a_reason(void **state)
{
	static const struct {
		const char *from, *to, *reason;
	} cases[] = {
	    {"\"claim_id\":\"C1\"", "\"claim_id\":\"\"", "claim.claim_id: empty"},
	    {"\"visit_type\"", "\"diagnoses\":[\"J18.9\",\" \"],\"visit_type\"",
	     "claim.diagnoses: an empty diagnosis code"},
	    {"\"submitted_at\"",
	     "\"items\":[{\"code\":\"A\",\"amount_fen\":1000000},{\"code\":\"B\",\"amount_fen\":"
	     "100000}],\"submitted_at\"",
	     "claim.items: the items add up to 1100000 fen, total_fen is 1200000"},
	    {"\"claim_id\":\"C1\"",
	     "\"claim_id\":\"C12345678901234567890123456789012345678901234567890123456789012345678"
	     "90123456789012345678901234567890123456789012345678901234567890\"",
	     "claim.claim_id: 131 bytes, over the limit of 128"},
	};
	yb_ledger *l = ledger_new();
	char errstr[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yb_record r = record_with(stay, cases[i].from, cases[i].to);

		assert_int_equal(yb_ledger_admit(l, &r, "M1", 2, errstr, sizeof(errstr)),
				 YB_EINVAL);
		assert_string_equal(errstr, cases[i].reason);
	}
	{
		/* The near miss: items that add up to the total are the bill. */
		yb_record r =
		    record_with(stay, "\"submitted_at\"",
				"\"items\":[{\"code\":\"A\",\"amount_fen\":1100000},"
				"{\"code\":\"B\",\"amount_fen\":100000}],\"submitted_at\"");

		assert_int_equal(yb_ledger_admit(l, &r, "M1", 2, errstr, sizeof(errstr)), YB_OK);
	}
	yb_ledger_destroy(l);
}

static void the_kafka_key_must_be_the_member_id(void **state)
{
	yb_ledger *l = ledger_new();
	yb_record claim = record(stay), event = record(premium);
	char errstr[256];

	(void)state;
	assert_int_equal(yb_ledger_admit(l, &claim, "M2", 2, errstr, sizeof(errstr)), YB_EINVAL);
	assert_string_equal(errstr, "Kafka key 'M2' is not the member_id 'M1': a member's records "
				    "must be keyed by member_id (co-partitioning)");
	assert_int_equal(yb_ledger_admit(l, &event, "", 0, errstr, sizeof(errstr)), YB_EINVAL);
	assert_string_equal(errstr, "no Kafka key: a member's records must be keyed by member_id "
				    "'M1' (co-partitioning)");
	assert_int_equal(yb_ledger_admit(l, &claim, "M1\x01", 3, errstr, sizeof(errstr)),
			 YB_EINVAL);
	assert_has(errstr, "'M1\\x01'");
	/* The near misses: its own member_id; a line of a file has no key to check. */
	assert_int_equal(yb_ledger_admit(l, &claim, "M1", 2, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_ledger_admit(l, &event, "M1", 2, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_ledger_admit(l, &claim, NULL, 0, errstr, sizeof(errstr)), YB_OK);
	yb_ledger_destroy(l);
}

static void a_record_past_its_keep_until_is_not_answered_from(void **state)
{
	/* 营口: a stay of 2024 is filed by 2025-12-31 (assumed, docs/RULES.md); its record is
	 * kept 90 days more, to 2026-03-31. A resubmission filed 2026-03-31 is a duplicate;
	 * filed 2026-04-01 the record is gone, and the claim is late: LATE_SUBMISSION, not paid
	 * twice. */
	yb_judged_on on = view(9, 9);
	yb_ledger *l = covered();
	yb_record r;
	yb_claim_state s;

	(void)state;
	judge(l, stay, &on);
	assert_int_equal(yb_ledger_claim(l, "C1", &s), YB_OK);
	assert_int_equal(s.keep_until, 20543 /* 2026-03-31: 2025-12-31 + 90 days */);
	r = record_with(stay, "2024-03-10T18:00:00", "2026-03-31T18:00:00");
	judge_record(l, &r, &on);
	assert_has(text, "\"duplicate\":true");
	r = record_with(stay, "2024-03-10T18:00:00", "2026-04-01T09:00:00");
	judge_record(l, &r, &on);
	assert_has(text, "\"status\":\"rejected\",\"reasons\":[\"LATE_SUBMISSION\"]");
	assert_has(text, "\"duplicate\":false");
	assert_has(text, "\"fund_pay_fen\":0");
	yb_ledger_destroy(l);
}

static void the_stored_claim_state_round_trips_and_refuses_others(void **state)
{
	yb_judged_on on = view(9, 9);
	yb_ledger *l = covered();
	yb_claim_state s, back;
	yb_buf buf = {0};

	(void)state;
	judge(l, stay, &on);
	yb_ledger_set_source(l, "C1", false, 3, 77);
	assert_int_equal(yb_ledger_claim(l, "C1", &s), YB_OK);
	assert_int_equal(yb_claim_state_pack(&s, &buf), YB_OK);
	/* A compact record: the settlement's bytes and a few dozen more. */
	assert_true(buf.len < s.settlement_len + 120);
	assert_int_equal(yb_claim_state_unpack(buf.data, buf.len, "C1", &back), YB_OK);
	assert_string_equal(back.member_id, "M1");
	assert_int_equal(back.offset, 77);
	assert_int_equal(back.partition, 3);
	assert_int_equal(back.year, 2024);
	assert_true(back.fingerprint == s.fingerprint);
	assert_int_equal(back.keep_until, s.keep_until);
	assert_memory_equal(&back.delta, &s.delta, sizeof(s.delta));
	assert_int_equal(back.settlement_len, s.settlement_len);
	assert_memory_equal(back.settlement, s.settlement, s.settlement_len);
	/* Every truncation, and another format, is refused. */
	for (size_t n = 0; n < buf.len; n++)
		assert_int_equal(yb_claim_state_unpack(buf.data, n, "C1", &back), YB_EINVAL);
	buf.data[0] = 1;
	assert_int_equal(yb_claim_state_unpack(buf.data, buf.len, "C1", &back), YB_EINVAL);
	yb_buf_free(&buf);
	yb_ledger_destroy(l);
}

static void packed_accumulators_round_trip(void **state)
{
	yb_year_acc a, back;
	uint8_t packed[YB_YEAR_ACC_PACKED_MAX];
	size_t n;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.fund_paid_fen = 608000;
	a.deductible_fen = 70000;
	a.stays = 2;
	a.outpatient_quarter_fund_fen[3] = -5; /* a reversal's delta is negative */
	a.chronic_count = 1;
	snprintf(a.chronic[0].disease, sizeof(a.chronic[0].disease), "%s", "I10");
	a.chronic[0].class_ = 'A';
	a.chronic[0].fund_fen = 123456789;
	a.stay_count = 1;
	a.stay_from[0] = 19783;
	a.stay_to[0] = 19792;
	n = yb_year_acc_pack(&a, packed);
	assert_true(n < 60);
	assert_int_equal(yb_year_acc_unpack(packed, n, &back), (long)n);
	assert_memory_equal(&a, &back, sizeof(a));
	for (size_t k = 0; k < n; k++)
		assert_true(yb_year_acc_unpack(packed, k, &back) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_claim_is_judged_on_the_events_its_view_names),
	    cmocka_unit_test(events_stamped_after_the_claim_are_not_folded),
	    cmocka_unit_test(claims_out_of_time_order_are_judged_as_of_their_own_time),
	    cmocka_unit_test(a_claim_id_belongs_to_one_member),
	    cmocka_unit_test(the_registry_s_owner_refuses_other_members),
	    cmocka_unit_test(a_referral_counts_only_from_the_member_s_own_stay),
	    cmocka_unit_test(what_the_pipeline_cannot_take_is_refused_with_a_reason),
	    cmocka_unit_test(the_kafka_key_must_be_the_member_id),
	    cmocka_unit_test(a_record_past_its_keep_until_is_not_answered_from),
	    cmocka_unit_test(the_stored_claim_state_round_trips_and_refuses_others),
	    cmocka_unit_test(packed_accumulators_round_trip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
