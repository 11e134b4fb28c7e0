/* Error code descriptions. */
#include "base/error.h"

const char *yb_strerror(int err)
{
	switch ((yb_err)err) {
	case YB_OK:
		return "success";
	case YB_EINVAL:
		return "invalid argument";
	case YB_EOVERFLOW:
		return "amount out of range";
	case YB_ENOMEM:
		return "out of memory";
	case YB_EIO:
		return "input/output error";
	case YB_ETIMEDOUT:
		return "timed out";
	case YB_ENOTFOUND:
		return "not found";
	case YB_EPARSE:
		return "malformed input";
	}
	return "unknown error";
}
