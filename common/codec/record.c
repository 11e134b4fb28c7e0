/* Look-ups over the generated record descriptors (yb_record_table.c), and the arena. */
#include "codec/record.h"

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
