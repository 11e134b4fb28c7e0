/*
 * Benchmark (not a test): the rule engine alone, one core. A typical inpatient claim and
 * a general outpatient claim adjudicated against a prepared member, year and institution
 * (the engine's whole input), under the 营口 policy from policies/.
 *
 *   build/bench/bench_engine [SECONDS] [POLICIES_DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/policy_files.h"
#include "rules/adjudicate.h"
#include "base/date.h"
#include "base/error.h"

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static yb_adjudication out;

static double rate(const yb_claim_context *ctx, const yb_claim *c, double seconds)
{
	double start = now_seconds(), elapsed;
	long n = 0;
	int64_t sink = 0;

	do {
		for (int i = 0; i < 10000; i++) {
			yb_adjudicate(ctx, c, &out);
			sink += out.settlement.fund_pay_fen.fen;
		}
		n += 10000;
		elapsed = now_seconds() - start;
	} while (elapsed < seconds);
	if (sink == 42)
		printf("(unlikely)\n");
	return (double)n / elapsed;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	const char *dir = argc > 2 ? argv[2] : YB_BENCH_POLICIES_DIR;
	yb_policy_set *sets = NULL;
	size_t count = 0;
	char errstr[512];
	const yb_policy_set *yingkou = NULL;
	yb_member member;
	yb_year_acc acc;
	yb_institution inst = {.institution_id = "YK3A",
			       .level = 3,
			       .grade = "A",
			       .kind = "general",
			       .designated = true};
	yb_claim stay, visit;
	yb_claim_context ctx;
	const char *diagnoses[] = {"J18.9"};

	if (yb_policy_load_dir(dir, &sets, &count, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "bench_engine: %s\n", errstr);
		return 1;
	}
	for (size_t i = 0; i < count; i++) {
		if (strcmp(sets[i].scheme, "yingkou-resident") == 0)
			yingkou = &sets[i];
	}
	memset(&member, 0, sizeof(member));
	memset(&acc, 0, sizeof(acc));
	member.enrolled = true;
	snprintf(member.category, sizeof(member.category), "adult");
	member.premium_count = 2;
	member.premiums[0] = (yb_premium){2023, yb_date_from_ymd(2022, 11, 20)};
	member.premiums[1] = (yb_premium){2024, yb_date_from_ymd(2023, 11, 20)};
	memset(&stay, 0, sizeof(stay));
	stay.claim_id = "C1";
	stay.member_id = "M1";
	stay.scheme = "yingkou-resident";
	stay.institution_id = "YK3A";
	stay.visit_type = "inpatient";
	stay.has_admission_date = stay.has_discharge_date = true;
	stay.admission_date = yb_date_from_ymd(2024, 3, 1);
	stay.discharge_date = yb_date_from_ymd(2024, 3, 10);
	stay.total_fen = yb_fen(1200000);
	stay.compliant_fen = yb_fen(1000000);
	stay.diagnoses = diagnoses;
	stay.diagnoses_count = 1;
	visit = stay;
	visit.visit_type = "outpatient";
	visit.has_admission_date = visit.has_discharge_date = false;
	visit.has_service_date = true;
	visit.service_date = yb_date_from_ymd(2024, 3, 2);
	inst.level = 3;
	memset(&ctx, 0, sizeof(ctx));
	ctx.policy = yb_policy_in_force(yingkou, stay.admission_date);
	ctx.member = &member;
	ctx.acc = &acc;
	ctx.institution = &inst;
	ctx.referred_from_level = -1;
	printf("engine, inpatient (segments, 大病 check, trace): %.0f claims/s\n",
	       rate(&ctx, &stay, seconds));
	{
		yb_institution clinic = inst;

		clinic.level = 1;
		ctx.institution = &clinic;
		printf("engine, general outpatient:                    %.0f claims/s\n",
		       rate(&ctx, &visit, seconds));
	}
	free(sets);
	return 0;
}
