/*
 * A dead letter: what could not be taken, why, and the original bytes. Nothing that arrives
 * is dropped: an original too large to keep whole in a dead-letter message (the broker's
 * message.max.bytes bounds it) is kept as its first bytes, with its full length and the
 * SHA-256 of the whole, so that it can still be matched with its source and told apart from
 * any other.
 */
#ifndef YB_IO_DEAD_LETTER_H
#define YB_IO_DEAD_LETTER_H

#include <stddef.h>

#include "codec/record.h"

/* Room kept in a dead-letter message for its source, error and framing. */
#define YB_DEAD_LETTER_ROOM            (64 * 1024)
/* The most of the original kept when nothing else says (librdkafka's message.max.bytes
 * default, 1,000,000, less the room). */
#define YB_DEAD_LETTER_PAYLOAD_DEFAULT (1000000 - YB_DEAD_LETTER_ROOM)
/* The longest error text kept: longer ones are cut at a character boundary. */
#define YB_DEAD_LETTER_ERROR_MAX       4096

/* The strings a filled dead letter points into; keep it while the record is used. */
typedef struct yb_dead_letter_text {
	char sha256[65];
	char error[YB_DEAD_LETTER_ERROR_MAX + 8];
	char source[512];
} yb_dead_letter_text;

/*
 * Fill *out for payload[0..len) from source, rejected for error: the payload whole when
 * len <= payload_max, else its first payload_max bytes with payload_length and
 * payload_sha256 set. The source and the error are kept as valid UTF-8 of bounded length
 * (other bytes become '?'), so the record always encodes. *out points into text and payload.
 */
void yb_dead_letter_fill(yb_dead_letter *out, yb_dead_letter_text *text, const char *source,
			 const char *error, const void *payload, size_t len, size_t payload_max);

/* SHA-256 of data[0..len) as 64 lowercase hex digits and a NUL into hex. */
void yb_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
