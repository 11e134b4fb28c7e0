/*
 * A hash map from strings to fixed-size values, for the in-memory ledger. Open addressing
 * with linear probing; keys are copied; values live in the map and stay put until the map
 * grows (so hold a pointer only until the next insert).
 */
#ifndef YB_LEDGER_STRMAP_H
#define YB_LEDGER_STRMAP_H

#include <stddef.h>

typedef struct yb_strmap yb_strmap;

/* A map of values of value_size bytes; NULL when out of memory. */
yb_strmap *yb_strmap_new(size_t value_size);

/* Free the map and every key; NULL is allowed. free_value, when not NULL, is called on
 * every value first. */
void yb_strmap_destroy(yb_strmap *map, void (*free_value)(void *value));

/* The value of key, or NULL. */
void *yb_strmap_get(const yb_strmap *map, const char *key);

/* The value of key, inserted zero-filled when absent (*created set to 1 then); NULL when
 * out of memory. */
void *yb_strmap_put(yb_strmap *map, const char *key, int *created);

/* The number of keys. */
size_t yb_strmap_count(const yb_strmap *map);

/* Remove every entry (free_value, when given, on each value); the capacity stays. */
void yb_strmap_clear(yb_strmap *map, void (*free_value)(void *value));

/* Call fn on every entry, in no particular order, until it returns non-zero (returned). */
int yb_strmap_each(const yb_strmap *map, int (*fn)(const char *key, void *value, void *opaque),
		   void *opaque);

#endif
