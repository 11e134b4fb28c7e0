/* Look-ups over the generated record descriptors (yb_record_table.c), and the arena. */
#include "codec/record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defined in the generated yb_record_table.c. */
extern const yb_record_desc *const yb_record_descs[YB_RECORD_TYPE_COUNT];

const yb_record_desc *yb_record_desc_of(yb_record_type type)
{
	if ((int)type < 0 || type >= YB_RECORD_TYPE_COUNT)
		return NULL;
	return yb_record_descs[type];
}

const yb_record_desc *yb_record_desc_by_name(const char *name)
{
	for (int i = 0; i < YB_RECORD_TYPE_COUNT; i++) {
		if (strcmp(yb_record_descs[i]->name, name) == 0)
			return yb_record_descs[i];
	}
	return NULL;
}

/* Every member of the union starts at its address. */
void *yb_record_body(yb_record *r)
{
	return &r->as;
}

const void *yb_record_body_const(const yb_record *r)
{
	return &r->as;
}

const char *yb_record_key(const yb_record *r)
{
	const yb_record_desc *desc = yb_record_desc_of(r->type);
	const yb_field_desc *f;

	if (desc == NULL || desc->key_field < 0)
		return NULL;
	f = &desc->fields[desc->key_field];
	if (f->kind != YB_FIELD_STRING)
		return NULL;
	return *(const char *const *)((const char *)&r->as + f->offset);
}

int64_t yb_record_time(const yb_record *r)
{
	const yb_record_desc *desc = yb_record_desc_of(r->type);
	const yb_field_desc *f;
	const char *body = (const char *)&r->as;

	if (desc == NULL || desc->time_field < 0)
		return -1;
	f = &desc->fields[desc->time_field];
	if (f->kind != YB_FIELD_TIME)
		return -1;
	if (f->has_offset != YB_NO_OFFSET && !*(const bool *)(body + f->has_offset))
		return -1;
	return *(const int64_t *)(body + f->offset);
}

void *yb_arena_alloc(yb_arena *a, size_t size)
{
	size_t align = _Alignof(max_align_t);
	size_t start = (a->used + align - 1) & ~(align - 1);
	void *p;

	if (start > a->cap || size > a->cap - start)
		return NULL;
	p = a->base + start;
	a->used = start + size;
	return p;
}

bool yb_utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint32_t cp;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

void yb_buf_printf(yb_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || yb_buf_reserve(b, (size_t)n + 1) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int yb_array_grow(void **array, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap == 0 ? 64 : *cap;
	void *grown;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	grown = realloc(*array, n * elem);
	if (grown == NULL)
		return -1;
	*array = grown;
	*cap = n;
	return 0;
}

int yb_buf_reserve(yb_buf *b, size_t n)
{
	size_t cap;
	uint8_t *grown;

	if (n <= b->cap - b->len)
		return 0;
	cap = b->cap == 0 ? 256 : b->cap;
	while (cap - b->len < n)
		cap *= 2;
	grown = realloc(b->data, cap);
	if (grown == NULL)
		return -1;
	b->data = grown;
	b->cap = cap;
	return 0;
}

void yb_buf_free(yb_buf *buf)
{
	if (buf == NULL)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->len = buf->cap = 0;
}

void yb_record_verror(char *errstr, size_t errlen, const char *const *path, int depth,
		      const char *fmt, va_list ap)
{
	size_t used = 0;

	for (int i = 0; i < depth && used < errlen; i++) {
		int n = snprintf(errstr + used, errlen - used, "%s%s", i > 0 ? "." : "", path[i]);

		used += n > 0 ? (size_t)n : 0;
	}
	if (depth > 0 && used < errlen) {
		int n = snprintf(errstr + used, errlen - used, ": ");

		used += n > 0 ? (size_t)n : 0;
	}
	if (used < errlen)
		vsnprintf(errstr + used, errlen - used, fmt, ap);
}
