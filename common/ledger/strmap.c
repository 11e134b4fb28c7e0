/* String-keyed hash map; see strmap.h. */
#include "ledger/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct yb_strmap {
	size_t value_size;
	size_t cap; /* slots, a power of two */
	size_t count;
	char **keys;
	unsigned char *values;
};

/* FNV-1a: short keys, no adversary inside the process. */
static uint64_t hash(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

yb_strmap *yb_strmap_new(size_t value_size)
{
	yb_strmap *map = calloc(1, sizeof(*map));

	if (map == NULL)
		return NULL;
	map->value_size = value_size;
	map->cap = 64;
	map->keys = calloc(map->cap, sizeof(char *));
	map->values = calloc(map->cap, value_size);
	if (map->keys == NULL || map->values == NULL) {
		yb_strmap_destroy(map, NULL);
		return NULL;
	}
	return map;
}

void yb_strmap_destroy(yb_strmap *map, void (*free_value)(void *value))
{
	if (map == NULL)
		return;
	for (size_t i = 0; map->keys != NULL && i < map->cap; i++) {
		if (map->keys[i] != NULL && free_value != NULL)
			free_value(map->values + i * map->value_size);
		free(map->keys[i]);
	}
	free(map->keys);
	free(map->values);
	free(map);
}

void yb_strmap_clear(yb_strmap *map, void (*free_value)(void *value))
{
	for (size_t i = 0; i < map->cap; i++) {
		if (map->keys[i] == NULL)
			continue;
		if (free_value != NULL)
			free_value(map->values + i * map->value_size);
		free(map->keys[i]);
		map->keys[i] = NULL;
	}
	memset(map->values, 0, map->cap * map->value_size);
	map->count = 0;
}

int yb_strmap_each(const yb_strmap *map, int (*fn)(const char *key, void *value, void *opaque),
		   void *opaque)
{
	for (size_t i = 0; i < map->cap; i++) {
		int rc;

		if (map->keys[i] == NULL)
			continue;
		rc = fn(map->keys[i], map->values + i * map->value_size, opaque);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The slot of key in keys[cap]: where it is, or the empty slot where it would go. */
static size_t probe(char *const *keys, size_t cap, const char *key)
{
	size_t i = (size_t)hash(key) & (cap - 1);

	while (keys[i] != NULL && strcmp(keys[i], key) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

void *yb_strmap_get(const yb_strmap *map, const char *key)
{
	size_t i = probe(map->keys, map->cap, key);

	return map->keys[i] != NULL ? map->values + i * map->value_size : NULL;
}

static int grow(yb_strmap *map)
{
	size_t cap = map->cap * 2;
	char **keys = calloc(cap, sizeof(char *));
	unsigned char *values = calloc(cap, map->value_size);

	if (keys == NULL || values == NULL) {
		free(keys);
		free(values);
		return -1;
	}
	for (size_t i = 0; i < map->cap; i++) {
		size_t j;

		if (map->keys[i] == NULL)
			continue;
		j = probe(keys, cap, map->keys[i]);
		keys[j] = map->keys[i];
		memcpy(values + j * map->value_size, map->values + i * map->value_size,
		       map->value_size);
	}
	free(map->keys);
	free(map->values);
	map->keys = keys;
	map->values = values;
	map->cap = cap;
	return 0;
}

void *yb_strmap_put(yb_strmap *map, const char *key, int *created)
{
	size_t i;

	*created = 0;
	i = probe(map->keys, map->cap, key);
	if (map->keys[i] != NULL)
		return map->values + i * map->value_size;
	if ((map->count + 1) * 4 > map->cap * 3) {
		if (grow(map) != 0)
			return NULL;
		i = probe(map->keys, map->cap, key);
	}
	map->keys[i] = strdup(key);
	if (map->keys[i] == NULL)
		return NULL;
	map->count++;
	*created = 1;
	return map->values + i * map->value_size;
}

size_t yb_strmap_count(const yb_strmap *map)
{
	return map->count;
}
