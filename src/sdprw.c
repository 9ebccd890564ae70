/* The SDP rewriter: reads a body and writes a new one from a whitelist. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "sdprw.h"

/* Start the o= state of one side of a call. */
void
sdprw_session_init(
    struct sdprw_session *sess, uint64_t sess_id, uint64_t version)
{
	memset(sess, 0, sizeof(*sess));
	sess->sess_id = sess_id;
	sess->version = version;
}

/* Parse without writing: what the body offers. */
int
sdprw_inspect(const char *in, size_t len, const struct sdprw_policy *pol,
    struct sdprw_info *info, const char **reason)
{
	(void)in;
	(void)len;
	(void)pol;
	memset(info, 0, sizeof(*info));
	*reason = "SDP rewriter not implemented yet";
	return -1;
}

/* Write a new body for in to out. */
int
sdprw_rewrite(const char *in, size_t len, const struct sdprw_policy *pol,
    struct sdprw_session *sess, const struct sdprw_target *target,
    struct buf *out, struct sdprw_info *info, const char **reason)
{
	(void)sess;
	(void)target;
	buf_reset(out);
	if (info != NULL)
		return sdprw_inspect(in, len, pol, info, reason);
	*reason = "SDP rewriter not implemented yet";
	return -1;
}
