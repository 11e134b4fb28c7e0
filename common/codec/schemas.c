/* Look-ups over the generated schema table (yb_schema_table, see schema_embed.c). */
#include "codec/schemas.h"

#include <string.h>

/* Defined in the generated yb_schema_table.c. */
extern const yb_schema_info yb_schema_table[];
extern const size_t yb_schema_table_len;
extern const yb_schema_info yb_schema_previous_table[];
extern const size_t yb_schema_previous_table_len;

const yb_schema_info *yb_schemas_all(size_t *count)
{
	*count = yb_schema_table_len;
	return yb_schema_table;
}

const yb_schema_info *yb_schemas_previous(size_t *count)
{
	*count = yb_schema_previous_table_len;
	return yb_schema_previous_table;
}

const yb_schema_info *yb_schema_by_name(const char *name)
{
	for (size_t i = 0; i < yb_schema_table_len; i++) {
		if (strcmp(yb_schema_table[i].name, name) == 0)
			return &yb_schema_table[i];
	}
	return NULL;
}

const yb_schema_info *yb_schema_by_fingerprint(uint64_t fingerprint)
{
	for (size_t i = 0; i < yb_schema_table_len; i++) {
		if (yb_schema_table[i].fingerprint == fingerprint)
			return &yb_schema_table[i];
	}
	return NULL;
}
