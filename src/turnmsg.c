/* STUN/TURN messages through libre's codec (the STUN adapter). */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <re.h>

#include "turnmsg.h"

/* The long-term credential key: MD5 of user:realm:password. */
void
turnmsg_key(const char *user, const char *realm, const char *password,
    uint8_t key[TURNMSG_KEY_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, user, strlen(user)) != 1 ||
	    EVP_DigestUpdate(ctx, ":", 1) != 1 ||
	    EVP_DigestUpdate(ctx, realm, strlen(realm)) != 1 ||
	    EVP_DigestUpdate(ctx, ":", 1) != 1 ||
	    EVP_DigestUpdate(ctx, password, strlen(password)) != 1 ||
	    EVP_DigestFinal_ex(ctx, key, &len) != 1 || len != TURNMSG_KEY_LEN)
		memset(key, 0, TURNMSG_KEY_LEN);
	EVP_MD_CTX_free(ctx);
}

/* Encode req into out through stun_msg_encode(). */
size_t
turnmsg_build(const struct turnmsg_req *req, const struct turnmsg_auth *auth,
    uint8_t *out, size_t outsz)
{
	struct mbuf *mb = NULL, data;
	struct sa peer;
	uint8_t transport = 17; /* UDP */
	uint16_t chan = req->channel;
	uint32_t lifetime = req->lifetime;
	size_t len = 0;
	int err;
	/* Up to 8 attributes, each a (type, value) pair for the varargs. */
	uint16_t t[8];
	const void *v[8];
	uint32_t n = 0;

	if (req->peer != NULL && sa_set_sa(&peer, req->peer) != 0)
		return 0;
	if (req->datalen > TURNMSG_MAX_MSG)
		return 0;
	if (req->req_transport_udp) {
		t[n] = STUN_ATTR_REQ_TRANSPORT;
		v[n++] = &transport;
	}
	if (req->has_lifetime) {
		t[n] = STUN_ATTR_LIFETIME;
		v[n++] = &lifetime;
	}
	if (req->channel != 0) {
		t[n] = STUN_ATTR_CHANNEL_NUMBER;
		v[n++] = &chan;
	}
	if (req->peer != NULL) {
		t[n] = STUN_ATTR_XOR_PEER_ADDR;
		v[n++] = &peer;
	}
	if (req->data != NULL) {
		memset(&data, 0, sizeof(data));
		data.buf = (uint8_t *)(uintptr_t)req->data;
		data.size = data.end = req->datalen;
		t[n] = STUN_ATTR_DATA;
		v[n++] = &data;
	}
	if (auth != NULL) {
		t[n] = STUN_ATTR_USERNAME;
		v[n++] = auth->user;
		t[n] = STUN_ATTR_REALM;
		v[n++] = auth->realm;
		t[n] = STUN_ATTR_NONCE;
		v[n++] = auth->nonce;
	}
	for (uint32_t i = n; i < 8; i++) {
		t[i] = 0;
		v[i] = NULL;
	}
	if ((mb = mbuf_alloc(256)) == NULL)
		return 0;
	/* Unused trailing pairs are ignored: stun_msg_encode reads n. */
	err = stun_msg_encode(mb, (uint16_t)req->method, (uint8_t)req->cls,
	    req->tid, NULL, auth != NULL ? auth->key : NULL,
	    auth != NULL ? TURNMSG_KEY_LEN : 0, false, 0x00, n, t[0], v[0],
	    t[1], v[1], t[2], v[2], t[3], v[3], t[4], v[4], t[5], v[5], t[6],
	    v[6], t[7], v[7]);
	if (err == 0 && mb->end <= outsz) {
		memcpy(out, mb->buf, mb->end);
		len = mb->end;
	}
	mem_deref(mb);
	return len;
}

/* Copy a libre string attribute into a fixed buffer, truncated. */
static void
copy_str(char *dst, const struct stun_attr *a)
{
	dst[0] = '\0';
	if (a != NULL && a->v.str != NULL) {
		strncpy(dst, a->v.str, TURNMSG_MAX_STR - 1);
		dst[TURNMSG_MAX_STR - 1] = '\0';
	}
}

/* Copy a libre address into a sockaddr_storage. */
static bool
copy_sa(struct sockaddr_storage *dst, const struct stun_attr *a)
{
	memset(dst, 0, sizeof(*dst));
	if (a == NULL || !sa_isset(&a->v.sa, SA_ADDR) ||
	    a->v.sa.len > sizeof(*dst))
		return false;
	memcpy(dst, &a->v.sa.u, a->v.sa.len);
	return true;
}

/* Parse one whole STUN message from the server. */
int
turnmsg_parse(const uint8_t *p, size_t len, const uint8_t *key, size_t keylen,
    struct turnmsg_parsed *m, const char **why)
{
	struct stun_unknown_attr ua;
	struct stun_msg *msg = NULL;
	struct stun_attr *a;
	struct mbuf *mb;
	int ret = -1;

	memset(m, 0, sizeof(*m));
	if (len < 20 || len > 65535 + 20) {
		*why = "STUN message length";
		return -1;
	}
	if ((mb = mbuf_alloc(len)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	memset(&ua, 0, sizeof(ua));
	if (mbuf_write_mem(mb, p, len) != 0) {
		*why = "out of memory";
		goto out;
	}
	mb->pos = 0;
	if (stun_msg_decode(&msg, mb, &ua) != 0) {
		*why = "STUN message malformed";
		goto out;
	}
	if (!stun_msg_mcookie(msg)) {
		*why = "STUN magic cookie";
		goto out;
	}
	m->method = (enum turnmsg_method)stun_msg_method(msg);
	m->cls = (enum turnmsg_class)stun_msg_class(msg);
	memcpy(m->tid, stun_msg_tid(msg), TURNMSG_TID_LEN);
	if ((a = stun_msg_attr(msg, STUN_ATTR_ERR_CODE)) != NULL) {
		m->error_code = a->v.err_code.code;
		if (a->v.err_code.reason != NULL) {
			strncpy(m->reason, a->v.err_code.reason,
			    TURNMSG_MAX_STR - 1);
		}
	}
	copy_str(m->realm, stun_msg_attr(msg, STUN_ATTR_REALM));
	copy_str(m->nonce, stun_msg_attr(msg, STUN_ATTR_NONCE));
	if ((a = stun_msg_attr(msg, STUN_ATTR_LIFETIME)) != NULL) {
		m->has_lifetime = true;
		m->lifetime = a->v.lifetime;
	}
	m->has_relayed =
	    copy_sa(&m->relayed, stun_msg_attr(msg, STUN_ATTR_XOR_RELAY_ADDR));
	m->has_mapped =
	    copy_sa(&m->mapped, stun_msg_attr(msg, STUN_ATTR_XOR_MAPPED_ADDR));
	m->has_peer =
	    copy_sa(&m->peer, stun_msg_attr(msg, STUN_ATTR_XOR_PEER_ADDR));
	if ((a = stun_msg_attr(msg, STUN_ATTR_DATA)) != NULL) {
		/* libre's DATA view is an offset into our copy of p. */
		if (a->v.data.pos > len || a->v.data.end > len ||
		    a->v.data.pos > a->v.data.end) {
			*why = "STUN DATA attribute";
			goto out;
		}
		m->data = p + a->v.data.pos;
		m->datalen = a->v.data.end - a->v.data.pos;
	}
	if (stun_msg_attr(msg, STUN_ATTR_MSG_INTEGRITY) != NULL) {
		m->has_integrity = true;
		if (key != NULL)
			m->integrity_ok =
			    stun_msg_chk_mi(msg, key, (uint32_t)keylen) == 0;
	}
	ret = 0;
out:
	mem_deref(msg);
	mem_deref(mb);
	return ret;
}

/* A method's name for logs. */
const char *
turnmsg_method_str(enum turnmsg_method m)
{
	switch (m) {
	case TURNMSG_BINDING:
		return "Binding";
	case TURNMSG_ALLOCATE:
		return "Allocate";
	case TURNMSG_REFRESH:
		return "Refresh";
	case TURNMSG_SEND:
		return "Send";
	case TURNMSG_DATA:
		return "Data";
	case TURNMSG_CREATEPERM:
		return "CreatePermission";
	case TURNMSG_CHANBIND:
		return "ChannelBind";
	}
	return "unknown";
}
