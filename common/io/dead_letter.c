/* Dead letters that always encode; see dead_letter.h. */
#include "io/dead_letter.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

void yb_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) != 1 || n != 32) {
		snprintf(hex, 65, "%s", "unavailable");
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* Copy s into out (size bytes) as valid UTF-8: whole characters only, others as '?'. */
static void copy_utf8(char *out, size_t size, const char *s)
{
	size_t n = 0, i = 0, len = s != NULL ? strlen(s) : 0;

	while (i < len && n + 1 < size) {
		const uint8_t *p = (const uint8_t *)s + i;
		size_t width = p[0] < 0x80 ? 1 : p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;

		if (width > len - i || !yb_utf8_valid(p, width)) {
			out[n++] = '?';
			i++;
			continue;
		}
		if (n + width >= size)
			break;
		memcpy(out + n, p, width);
		n += width;
		i += width;
	}
	out[n] = '\0';
}

void yb_dead_letter_fill(yb_dead_letter *out, yb_dead_letter_text *text, const char *source,
			 const char *error, const void *payload, size_t len, size_t payload_max)
{
	memset(out, 0, sizeof(*out));
	copy_utf8(text->source, sizeof(text->source), source);
	copy_utf8(text->error, YB_DEAD_LETTER_ERROR_MAX, error);
	out->source = text->source;
	out->error = text->error[0] != '\0' ? text->error : "rejected";
	out->payload = payload != NULL ? payload : (const uint8_t *)"";
	out->payload_len = (uint32_t)(len <= payload_max ? len : payload_max);
	if (len > payload_max) {
		yb_sha256_hex(payload, len, text->sha256);
		out->has_payload_length = true;
		out->payload_length = (int64_t)len;
		out->payload_sha256 = text->sha256;
	}
}
