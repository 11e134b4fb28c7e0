/*
 * Zigzag varints (as Avro and protobuf write them): small numbers of either sign in few
 * bytes, for the packed forms of stored state (rules/member.h, ledger/ledger.h).
 */
#ifndef YB_RULES_VARINT_H
#define YB_RULES_VARINT_H

#include <stddef.h>
#include <stdint.h>

/* Write v at out (at most 10 bytes); returns the bytes written. */
static inline size_t yb_varint_put(uint8_t *out, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;

	while (z >= 0x80) {
		out[n++] = (uint8_t)(z | 0x80);
		z >>= 7;
	}
	out[n++] = (uint8_t)z;
	return n;
}

/* Read a varint at in[*at..len) into *v and move *at past it; -1 when it runs out. */
static inline int yb_varint_get(const uint8_t *in, size_t len, size_t *at, int64_t *v)
{
	uint64_t z = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (*at >= len)
			return -1;
		b = in[(*at)++];
		z |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
			return 0;
		}
	}
	return -1;
}

#endif
