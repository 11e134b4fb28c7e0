/*
 * Error codes shared by every module.
 *
 * Zero is success, failures are negative. These are for failures of the machinery (bad
 * input, overflow, a broker that does not answer); an adjudication outcome such as a
 * rejected claim is data in the settlement, never an error code.
 */
#ifndef YB_RULES_ERROR_H
#define YB_RULES_ERROR_H

typedef enum yb_err {
	YB_OK = 0,
	YB_EINVAL = -1,    /* an argument or input value is not acceptable */
	YB_EOVERFLOW = -2, /* an amount would leave the int64 range */
	YB_ENOMEM = -3,    /* allocation failed */
	YB_EIO = -4,       /* a file, socket or server failed */
	YB_ETIMEDOUT = -5, /* the other side did not answer in time */
	YB_ENOTFOUND = -6, /* the thing asked for does not exist */
	YB_EPARSE = -7,    /* input text is malformed */
} yb_err;

/* A short English description of an error code; never NULL, even for unknown codes. */
const char *yb_strerror(int err);

#endif
