/*
 * A member's part of the Redis key names: the member_id in clear, or a keyed hash of it.
 *
 * Every key of a member carries the hash tag {m:<member>} (store/member_store.h,
 * store/fraud_store.h). Without a key secret <member> is the member_id itself, as it always
 * was. With one (the setting redis.key.secret.file), <member> is the member's token:
 * HMAC-SHA256(secret, member_id), its first 16 bytes as 32 lowercase hex digits, so the key
 * names hold no member id (personal data) and cannot be turned back into one without the
 * secret, while a member still has one slot and the same keys at every instance and in
 * claimctl rebuild. 128 bits: two members of a country's population meet on one token with
 * a probability far below any hardware fault's.
 *
 * The two key builders (the member store's and the fraud store's) both call
 * yb_member_key_format, so the scheme lives here only. Changing the secret (or setting one
 * on a store written without) leaves the old keys unreachable: Redis is a cache, refill it
 * with claimctl rebuild under the new secret.
 *
 * A yb_member_key is used by one thread at a time (it keeps a MAC context and the last
 * token it made, for the runs of keys of one member).
 */
#ifndef YB_IO_MEMBER_KEY_H
#define YB_IO_MEMBER_KEY_H

#include <stddef.h>

typedef struct yb_member_key yb_member_key;

/* The shortest key secret, in bytes. */
#define YB_MEMBER_KEY_SECRET_MIN 16
/* A token's length: hex digits of the first 16 bytes of the HMAC. */
#define YB_MEMBER_KEY_TOKEN_LEN  32

/*
 * *out = the keyed scheme with secret[0..len) (copied; wiped on destroy). YB_OK; YB_EINVAL
 * when len < YB_MEMBER_KEY_SECRET_MIN; YB_ENOMEM, or YB_EIO when libcrypto has no
 * HMAC-SHA256.
 */
int yb_member_key_new(yb_member_key **out, const void *secret, size_t len);

/* Wipe the secret and free. Accepts NULL. */
void yb_member_key_destroy(yb_member_key *k);

/*
 * The member's part of its key names into buf[size]: member_id itself when k is NULL, else
 * its 32-hex-digit token. Returns the length written, or YB_EINVAL when it does not fit
 * (buf then empty), YB_EIO when libcrypto failed.
 */
int yb_member_key_token(yb_member_key *k, const char *member_id, char *buf, size_t size);

/*
 * The key <prefix>{m:<member>}<suffix> into buf[size], <member> as yb_member_key_token
 * makes it. Returns the length written, or YB_EINVAL when it does not fit (buf then
 * empty), YB_EIO when libcrypto failed.
 */
int yb_member_key_format(yb_member_key *k, char *buf, size_t size, const char *prefix,
			 const char *member_id, const char *suffix);

#endif
