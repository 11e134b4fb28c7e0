/*
 * The records of the event contract as C values, and the tables that describe them.
 *
 * One definition per record: schemas/<type>.avsc. At build time yb_schema_embed turns each
 * schema into a C struct (yb_records.h: yb_claim, yb_settlement, ...) and a descriptor table
 * (yb_record_desc) giving every field's name, kind and place in the struct. The Avro codec
 * (codec/avro.h) and the JSON codec (codec/json.h) walk those tables; neither has a field
 * list of its own, so a field added to a schema reaches the structs, the wire and the JSON
 * form in one edit.
 *
 * Decoded records do not own their strings and arrays: they point into a yb_arena, a
 * caller-provided block that bounds the memory one record may take and is reused for the
 * next, so decoding allocates nothing.
 */
#ifndef YB_CODEC_RECORD_H
#define YB_CODEC_RECORD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yb_records.h"

/* The limits a decoder holds every record to, whatever the input claims. */
#define YB_RECORD_MAX_STRING (64 * 1024) /* bytes in one string */
/* Bytes in one bytes field: a dead letter keeps whole input messages up to the broker's
 * limit (1 MB by default, more where message.max.bytes allows). */
#define YB_RECORD_MAX_BYTES  (16 * 1024 * 1024)
#define YB_RECORD_MAX_ITEMS  100000 /* elements in one array or map */
#define YB_RECORD_MAX_DEPTH  8      /* nesting of records and unions */
#define YB_RECORD_MAX_MAP    256    /* entries in one map (keys must differ) */
/* The largest amount of money one field may hold: 10^13 fen = 100 billion yuan, so that sums
 * of millions of amounts stay far inside int64. */
#define YB_RECORD_MAX_FEN    INT64_C(10000000000000)

/* What a field holds, as the C struct stores it. */
typedef enum yb_field_kind {
	YB_FIELD_STRING,       /* const char * (NUL-terminated, NULL when absent) */
	YB_FIELD_BYTES,        /* const uint8_t * + uint32_t length */
	YB_FIELD_BOOL,         /* bool */
	YB_FIELD_INT,          /* int32_t */
	YB_FIELD_LONG,         /* int64_t */
	YB_FIELD_MONEY,        /* yb_money: a long of fen, 0..YB_RECORD_MAX_FEN */
	YB_FIELD_DATE,         /* int32_t days since 1970-01-01 */
	YB_FIELD_TIME,         /* int64_t milliseconds since the epoch */
	YB_FIELD_STRING_ARRAY, /* const char ** + uint32_t count */
	YB_FIELD_RECORD_ARRAY, /* struct array + uint32_t count; elem describes the struct */
	YB_FIELD_LONG_MAP,     /* yb_long_entry * + uint32_t count, in the order received */
} yb_field_kind;

/* No such member: a required field has no has_ flag; a scalar has no count. */
#define YB_NO_OFFSET ((size_t)-1)

typedef struct yb_record_desc yb_record_desc;

typedef struct yb_field_desc {
	const char *name;
	yb_field_kind kind;
	bool optional;              /* a ["null", T] union: may be absent */
	size_t offset;              /* of the value (or the pointer, for bytes and arrays) */
	size_t has_offset;          /* of the bool saying an optional field is present */
	size_t count_offset;        /* of the uint32_t length of bytes, arrays and maps */
	const yb_record_desc *elem; /* YB_FIELD_RECORD_ARRAY: the element's record */
	/* The schema's default for a required field, used when a writer lacks it. */
	bool has_default;
	int64_t default_int;     /* numbers and booleans */
	const char *default_str; /* strings */
} yb_field_desc;

struct yb_record_desc {
	const char *name;      /* the contract's type ("claim") or the Avro name ("Item") */
	const char *full_name; /* the Avro full name ("yibao.claims.Claim") */
	int type;              /* yb_record_type of a top-level record, -1 for a nested one */
	size_t size;           /* sizeof the struct */
	const yb_field_desc *fields;
	size_t field_count;
	int key_field;  /* index of the field the Kafka key comes from ("yb.key"), or -1 */
	int time_field; /* index of the field the Kafka timestamp comes from ("yb.time"), or -1 */
};

/* The descriptor of a top-level record type, or NULL for an unknown one. */
const yb_record_desc *yb_record_desc_of(yb_record_type type);

/* The descriptor of a record type by the contract's name ("claim"), or NULL. */
const yb_record_desc *yb_record_desc_by_name(const char *name);

/* The struct of r's type: &r->as.claim for a claim, ... */
void *yb_record_body(yb_record *r);
const void *yb_record_body_const(const yb_record *r);

/*
 * The Kafka key of a record (the field its schema names in "yb.key"), or NULL when the type
 * has none or the field is absent.
 */
const char *yb_record_key(const yb_record *r);

/* The event time of a record (its "yb.time" field), or -1 when it has none. */
int64_t yb_record_time(const yb_record *r);

/* A growable output buffer, reused across messages so that steady-state encoding does not
 * allocate. Zero-initialise it; yb_buf_free releases it. */
typedef struct yb_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
} yb_buf;

/* Make room for n more bytes; returns 0, or -1 when out of memory. */
int yb_buf_reserve(yb_buf *buf, size_t n);

void yb_buf_free(yb_buf *buf);

/* Append printf-formatted text (not NUL-counted in len); nothing on out of memory. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void yb_buf_printf(yb_buf *buf, const char *fmt, ...);

/* Grow *array of elem-sized items to hold at least need (capacity doubles, from 64);
 * returns 0, or -1 when out of memory (the array is left as it was). */
int yb_array_grow(void **array, size_t *cap, size_t need, size_t elem);

/*
 * Write "path.to.field: message" into errstr: the names path[0..depth) joined by dots,
 * then the message from fmt. How both codecs name the field at fault.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 0)))
#endif
void yb_record_verror(char *errstr, size_t errlen, const char *const *path, int depth,
		      const char *fmt, va_list ap);

/* Is s[0..len) UTF-8 without NUL, overlong forms or surrogates? */
bool yb_utf8_valid(const uint8_t *s, size_t len);

/* A block of memory decoded records point into; see the file comment. */
typedef struct yb_arena {
	char *base;
	size_t cap;
	size_t used;
} yb_arena;

/* A uint64_t as 8 little-endian bytes: the Avro header's fingerprint, stored state. */
static inline void yb_le64_put(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t yb_le64_get(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void yb_arena_init(yb_arena *a, void *base, size_t cap)
{
	a->base = base;
	a->cap = cap;
	a->used = 0;
}

static inline void yb_arena_reset(yb_arena *a)
{
	a->used = 0;
}

/* size bytes aligned for any record, or NULL when the arena is full. */
void *yb_arena_alloc(yb_arena *a, size_t size);

#endif
