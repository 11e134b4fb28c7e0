/* The member's part of the Redis key names; see member_key.h. */
#include "store/member_key.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/secret_file.h"

/* Member ids up to this length are remembered with their token (longer ones: recomputed). */
#define LAST_ID_MAX 128

struct yb_member_key {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx; /* keyed once; re-initialised (same key) for each member */
	/* the last member asked for and its token: a member's keys are built in runs */
	bool cached;
	char last_id[LAST_ID_MAX + 1];
	char last_token[YB_MEMBER_KEY_TOKEN_LEN + 1];
};

int yb_member_key_new(yb_member_key **out, const void *secret, size_t len)
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
	    OSSL_PARAM_construct_end(),
	};
	yb_member_key *k;

	*out = NULL;
	if (len < YB_MEMBER_KEY_SECRET_MIN)
		return YB_EINVAL;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return YB_ENOMEM;
	/* libcrypto keeps the key (its inner and outer pads) in the context, which
	 * EVP_MAC_CTX_free wipes. */
	k->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	k->ctx = k->mac != NULL ? EVP_MAC_CTX_new(k->mac) : NULL;
	if (k->ctx == NULL || EVP_MAC_init(k->ctx, secret, len, params) != 1) {
		yb_member_key_destroy(k);
		return YB_EIO;
	}
	*out = k;
	return YB_OK;
}

void yb_member_key_destroy(yb_member_key *k)
{
	if (k == NULL)
		return;
	EVP_MAC_CTX_free(k->ctx);
	EVP_MAC_free(k->mac);
	yb_secret_wipe(k, sizeof(*k));
	free(k);
}

/* HMAC-SHA256(secret, member_id), its first 16 bytes in hex, into token. */
static int keyed_token(yb_member_key *k, const char *member_id,
		       char token[YB_MEMBER_KEY_TOKEN_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t n = 0;

	if (EVP_MAC_init(k->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(k->ctx, (const unsigned char *)member_id, strlen(member_id)) != 1 ||
	    EVP_MAC_final(k->ctx, mac, &n, sizeof(mac)) != 1 || n < YB_MEMBER_KEY_TOKEN_LEN / 2)
		return YB_EIO;
	for (int i = 0; i < YB_MEMBER_KEY_TOKEN_LEN / 2; i++) {
		token[2 * i] = hex[mac[i] >> 4];
		token[2 * i + 1] = hex[mac[i] & 15];
	}
	token[YB_MEMBER_KEY_TOKEN_LEN] = '\0';
	return YB_OK;
}

int yb_member_key_token(yb_member_key *k, const char *member_id, char *buf, size_t size)
{
	const char *token = member_id;
	size_t len;

	if (k != NULL) {
		if (!k->cached || strcmp(k->last_id, member_id) != 0) {
			size_t id_len = strlen(member_id);

			k->cached = false;
			if (keyed_token(k, member_id, k->last_token) != YB_OK)
				return YB_EIO;
			if (id_len <= LAST_ID_MAX) {
				memcpy(k->last_id, member_id, id_len + 1);
				k->cached = true;
			}
		}
		token = k->last_token;
	}
	len = strlen(token);
	if (len >= size) {
		if (size > 0)
			buf[0] = '\0';
		return YB_EINVAL;
	}
	memcpy(buf, token, len + 1);
	return (int)len;
}

int yb_member_key_format(yb_member_key *k, char *buf, size_t size, const char *prefix,
			 const char *member_id, const char *suffix)
{
	char token[YB_MEMBER_KEY_TOKEN_LEN + 1];
	const char *member = member_id;
	int n;

	if (k != NULL) {
		n = yb_member_key_token(k, member_id, token, sizeof(token));
		if (n < 0)
			return n;
		member = token;
	}
	n = snprintf(buf, size, "%s{m:%s}%s", prefix, member, suffix);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return YB_EINVAL;
	}
	return n;
}
