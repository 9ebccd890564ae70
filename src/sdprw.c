/*
 * The SDP writer: from what sdprw_read.c took out of a body and the codec
 * policy, a new body whose only address is the caller's. Codec names are
 * written in our own spelling from a table, numbers are printed afresh, and
 * fmtp parameters pass only by name from a per-codec whitelist, so no text
 * the sender chose reaches the output.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sdprw.h"
#include "sdprw_int.h"
#include "xmalloc.h"

#define SDPRW_MAX_FMTP_VALUE 16

/* A codec onionsip knows: how it is spelled, clocked and parameterised. */
struct sdprw_codec {
	const char *name;
	enum sdprw_mtype type;
	unsigned long rates[4]; /* allowed clock rates; { 0 }: any */
	uint8_t pts[4];		/* the network's number at each rate: the
				   RFC 3551 one, else our fixed one */
	unsigned long channels; /* written channel count, 0: none */
	bool aux;		/* no voice on its own (DTMF, comfort noise) */
	bool bare;		/* fmtp written as the fixed "0-15" */
	const char *keys[8];	/* fmtp parameters kept */
};

static const struct sdprw_codec sdprw_codecs[] = {
	{ "opus", SDPRW_AUDIO, { 48000 }, { 96 }, 2, false, false,
	    { "maxplaybackrate", "useinbandfec", "usedtx", "cbr", "minptime",
		"maxaveragebitrate" } },
	{ "G722", SDPRW_AUDIO, { 8000 }, { 9 }, 0, false, false, { NULL } },
	{ "PCMU", SDPRW_AUDIO, { 8000 }, { 0 }, 0, false, false, { NULL } },
	{ "PCMA", SDPRW_AUDIO, { 8000 }, { 8 }, 0, false, false, { NULL } },
	{ "telephone-event", SDPRW_AUDIO, { 8000, 16000, 32000, 48000 },
	    { 101, 102, 103, 104 }, 0, true, true, { NULL } },
	{ "CN", SDPRW_AUDIO, { 8000, 16000, 32000, 48000 },
	    { 13, 105, 106, 107 }, 0, true, false, { NULL } },
	{ "G729", SDPRW_AUDIO, { 8000 }, { 18 }, 0, false, false,
	    { "annexb" } },
	{ "GSM", SDPRW_AUDIO, { 8000 }, { 3 }, 0, false, false, { NULL } },
	{ "iLBC", SDPRW_AUDIO, { 8000 }, { 100 }, 0, false, false, { "mode" } },
	{ "speex", SDPRW_AUDIO, { 8000, 16000, 32000 }, { 97, 98, 99 }, 0,
	    false, false, { NULL } },
	{ "AMR", SDPRW_AUDIO, { 8000 }, { 108 }, 0, false, false,
	    { "octet-align", "mode-set" } },
	{ "AMR-WB", SDPRW_AUDIO, { 16000 }, { 109 }, 0, false, false,
	    { "octet-align", "mode-set" } },
	{ "H264", SDPRW_VIDEO, { 90000 }, { 110 }, 0, false, false,
	    { "profile-level-id", "packetization-mode",
		"level-asymmetry-allowed" } },
	{ "VP8", SDPRW_VIDEO, { 90000 }, { 111 }, 0, false, false,
	    { "max-fr", "max-fs" } },
	{ "VP9", SDPRW_VIDEO, { 90000 }, { 112 }, 0, false, false,
	    { "max-fr", "max-fs" } },
};

/* Static payload types (RFC 3551) that need no a=rtpmap. */
static const struct {
	uint8_t pt;
	const char *name;
	unsigned long rate;
} sdprw_static[] = {
	{ 0, "PCMU", 8000 },
	{ 3, "GSM", 8000 },
	{ 4, "G723", 8000 },
	{ 5, "DVI4", 8000 },
	{ 6, "DVI4", 16000 },
	{ 7, "LPC", 8000 },
	{ 8, "PCMA", 8000 },
	{ 9, "G722", 8000 },
	{ 10, "L16", 44100 },
	{ 11, "L16", 44100 },
	{ 12, "QCELP", 8000 },
	{ 13, "CN", 8000 },
	{ 14, "MPA", 90000 },
	{ 15, "G728", 8000 },
	{ 16, "DVI4", 11025 },
	{ 17, "DVI4", 22050 },
	{ 18, "G729", 8000 },
	{ 25, "CelB", 90000 },
	{ 26, "JPEG", 90000 },
	{ 28, "nv", 90000 },
	{ 31, "H261", 90000 },
	{ 32, "MPV", 90000 },
	{ 33, "MP2T", 90000 },
	{ 34, "H263", 90000 },
};

static const char *const sdprw_default_codecs[] = { "opus", "G722", "PCMU",
	"PCMA", "telephone-event" };

static const char *const sdprw_dir_names[] = { "sendrecv", "sendonly",
	"recvonly", "inactive" };

/* A payload type the policy keeps, as it will be written. */
struct sdprw_kept {
	uint8_t pt;	  /* the sender's number */
	uint8_t out_pt;	  /* the number written */
	size_t rank;	  /* place of its codec in the policy */
	const char *name; /* our spelling */
	unsigned long rate;
	unsigned long channels;
	const struct sdprw_codec *codec; /* NULL: named only by the policy */
	const struct sdprw_pt *in;
};

/* The decision on one m= line. */
struct sdprw_decision {
	bool usable;
	struct sdprw_kept kept[SDPRW_MAX_FORMATS];
	size_t nkept;
	int dir;
};

/* Start the o= state of one side of a call. */
void
sdprw_session_init(
    struct sdprw_session *sess, uint64_t sess_id, uint64_t version)
{
	memset(sess, 0, sizeof(*sess));
	sess->sess_id = sess_id;
	sess->version = version;
}

/*
 * Order kept types by the policy's preference, and within a codec by the
 * number written (by_number) or as the sender listed them (stable).
 */
static void
sdprw_sort_kept(struct sdprw_decision *d, bool by_number)
{
	struct sdprw_kept k;
	size_t i, j;

	for (i = 1; i < d->nkept; i++) {
		k = d->kept[i];
		for (j = i; j > 0 &&
		     (d->kept[j - 1].rank > k.rank ||
			 (by_number && d->kept[j - 1].rank == k.rank &&
			     d->kept[j - 1].out_pt > k.out_pt));
		     j--)
			d->kept[j] = d->kept[j - 1];
		d->kept[j] = k;
	}
}

/* An empty payload type map. */
void
sdprw_ptmap_init(struct sdprw_ptmap *pm)
{
	memset(pm->to_net, SDPRW_PT_NONE, sizeof(pm->to_net));
	memset(pm->to_sp, SDPRW_PT_NONE, sizeof(pm->to_sp));
}

/*
 * The network's number for a kept type: the codec table's for its clock
 * rate; SDPRW_PT_NONE for codecs only the policy names.
 */
static uint8_t
sdprw_canonical_pt(const struct sdprw_kept *k)
{
	size_t i;

	for (i = 0; k->codec != NULL && i < 4 && k->codec->rates[i] != 0; i++)
		if (k->codec->rates[i] == k->rate)
			return k->codec->pts[i];
	return SDPRW_PT_NONE;
}

/* A dynamic number unused in used[], from the top; SDPRW_PT_NONE if none. */
static uint8_t
sdprw_free_pt(const uint8_t used[128])
{
	int pt;

	for (pt = 127; pt >= 96; pt--)
		if (used[pt] == SDPRW_PT_NONE)
			return (uint8_t)pt;
	return SDPRW_PT_NONE;
}

/*
 * Number the kept types of one m= line through the call's map: a type
 * seen before keeps its number; a new one toward the network gets its
 * canonical number (or a free one if that is taken), toward the softphone
 * the network's own (or a free one). A type that finds no number is not
 * written.
 */
static void
sdprw_number(struct sdprw_decision *d, struct sdprw_ptmap *pm, bool to_net)
{
	uint8_t *fwd = to_net ? pm->to_net : pm->to_sp;
	uint8_t *back = to_net ? pm->to_sp : pm->to_net;
	size_t i, n = 0;
	uint8_t in, out;

	for (i = 0; i < d->nkept; i++) {
		in = d->kept[i].pt & 0x7f;
		if ((out = fwd[in]) == SDPRW_PT_NONE) {
			out = to_net ? sdprw_canonical_pt(&d->kept[i]) : in;
			if (out == SDPRW_PT_NONE || back[out] != SDPRW_PT_NONE)
				out = sdprw_free_pt(back);
			if (out == SDPRW_PT_NONE)
				continue;
			fwd[in] = out;
			back[out] = in;
		}
		d->kept[i].out_pt = out;
		d->kept[n++] = d->kept[i];
	}
	d->nkept = n;
	if (n == 0)
		d->usable = false;
	/* Within a codec, by number too: the sender's order is its own. */
	sdprw_sort_kept(d, true);
}

/* The known codec of a name, or NULL. */
static const struct sdprw_codec *
sdprw_codec_find(struct span name)
{
	size_t i;

	for (i = 0; i < sizeof(sdprw_codecs) / sizeof(sdprw_codecs[0]); i++)
		if (span_eq_str_nocase(name, sdprw_codecs[i].name))
			return &sdprw_codecs[i];
	return NULL;
}

/* The policy's entry for a codec name and its rank; NULL if not allowed. */
static const char *
sdprw_policy_find(
    const struct sdprw_policy *pol, struct span name, size_t *rank)
{
	const char *const *list = pol->codecs;
	size_t i, n = pol->ncodecs;

	if (n == 0) {
		list = sdprw_default_codecs;
		n = sizeof(sdprw_default_codecs) /
		    sizeof(sdprw_default_codecs[0]);
	}
	for (i = 0; i < n && i < SDPRW_MAX_CODECS; i++)
		if (list[i] != NULL && span_eq_str_nocase(name, list[i])) {
			*rank = i;
			return list[i];
		}
	return NULL;
}

/*
 * Whether the policy keeps one payload type, and how it is written: the
 * name and clock rate from a=rtpmap (or the static table), checked against
 * the codec table.
 */
static bool
sdprw_keep(const struct sdprw_policy *pol, const struct sdprw_pmedia *m,
    const struct sdprw_pt *e, struct sdprw_kept *k)
{
	const struct sdprw_codec *c;
	struct span name;
	unsigned long rate, chan = e->channels;
	const char *allowed;
	size_t i;

	if (e->rtpmap) {
		name = e->name;
		rate = e->rate;
	} else {
		for (i = 0; i < sizeof(sdprw_static) / sizeof(sdprw_static[0]);
		     i++)
			if (sdprw_static[i].pt == e->pt)
				break;
		if (i == sizeof(sdprw_static) / sizeof(sdprw_static[0]))
			return false;
		name = span_cstr(sdprw_static[i].name);
		rate = sdprw_static[i].rate;
	}
	if ((allowed = sdprw_policy_find(pol, name, &k->rank)) == NULL)
		return false;
	k->pt = e->pt;
	k->out_pt = e->pt;
	k->in = e;
	k->rate = rate;
	if ((c = sdprw_codec_find(name)) == NULL) {
		/* A codec only the user's policy names: no fmtp. */
		if (chan > 2)
			return false;
		k->name = allowed;
		k->channels = chan > 1 ? chan : 0;
		k->codec = NULL;
		return true;
	}
	if (c->type != m->type)
		return false;
	if (c->rates[0] != 0) {
		for (i = 0; i < 4 && c->rates[i] != rate; i++)
			;
		if (i == 4)
			return false;
	}
	if (chan != 0 && chan != (c->channels ? c->channels : 1))
		return false;
	k->name = c->name;
	k->channels = c->channels;
	k->codec = c;
	return true;
}

/* Decide one m= line: usable or refused, which types are kept. */
static void
sdprw_decide(const struct sdprw_policy *pol, const struct sdprw_parsed *p,
    const struct sdprw_pmedia *m, struct sdprw_decision *d)
{
	bool zero = m->have_c ? m->addr_zero : p->addr_zero;
	bool voice = false;
	size_t i;

	d->nkept = 0;
	d->usable = false;
	d->dir = m->dir != SDPRW_NO_DIR ? m->dir
	    : p->dir != SDPRW_NO_DIR	? p->dir
					: SDPRW_SENDRECV;
	/* c=0.0.0.0 is the old hold: the sender will not receive. */
	if (zero && d->dir == SDPRW_SENDRECV)
		d->dir = SDPRW_SENDONLY;
	else if (zero && d->dir == SDPRW_RECVONLY)
		d->dir = SDPRW_INACTIVE;
	if (m->port == 0 || m->port_count || !m->rtp ||
	    (!m->have_c && !p->have_c))
		return;
	if (m->type != SDPRW_AUDIO &&
	    (m->type != SDPRW_VIDEO || !pol->allow_video))
		return;
	for (i = 0; i < m->npts && d->nkept < SDPRW_MAX_FORMATS; i++) {
		if (sdprw_keep(pol, m, &m->pts[i], &d->kept[d->nkept])) {
			if (d->kept[d->nkept].codec == NULL ||
			    !d->kept[d->nkept].codec->aux)
				voice = true;
			d->nkept++;
		}
	}
	d->usable = voice;
	if (!voice)
		d->nkept = 0;
	sdprw_sort_kept(d, false);
}

/* Fill the caller's view of one m= line. */
static void
sdprw_fill_media(const struct sdprw_parsed *p, const struct sdprw_pmedia *m,
    const struct sdprw_decision *d, struct sdprw_media *out)
{
	const char *addr = m->have_c ? m->addr : p->addr;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->type = m->type;
	memcpy(out->addr, addr, strlen(addr) + 1);
	out->port = (uint16_t)m->port;
	out->rtcp_mux = m->rtcp_mux;
	if (m->have_rtcp)
		out->rtcp_port = (uint16_t)m->rtcp_port;
	else if (m->port != 0)
		out->rtcp_port =
		    (uint16_t)(m->rtcp_mux || m->port == 65535 ? m->port
							       : m->port + 1);
	out->secure = m->secure;
	out->dir = (enum sdprw_direction)d->dir;
	out->refused = !d->usable;
	for (i = 0; i < d->nkept; i++)
		out->pts[i] = d->kept[i].pt;
	out->npts = d->nkept;
	out->ptime = (unsigned int)m->ptime;
	memcpy(out->crypto, m->crypto, sizeof(out->crypto));
}

/* Read and decide a whole body. */
static int
sdprw_prepare(const char *in, size_t len, const struct sdprw_policy *pol,
    struct sdprw_parsed *p, struct sdprw_decision *d, struct sdprw_info *info,
    const char **reason)
{
	bool audio = false;
	size_t i;

	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (sdprw_read(in, len, p, reason) == -1)
		return -1;
	for (i = 0; i < p->nmedia; i++) {
		sdprw_decide(pol, p, &p->m[i], &d[i]);
		if (d[i].usable && p->m[i].type == SDPRW_AUDIO)
			audio = true;
		if (info != NULL)
			sdprw_fill_media(p, &p->m[i], &d[i], &info->media[i]);
	}
	if (info != NULL) {
		info->nmedia = p->nmedia;
		info->in_version = p->in_version;
	}
	if (!audio) {
		*reason = "SDP offers no usable audio stream";
		return -1;
	}
	return 0;
}

/* Parse without writing: what the body offers. */
int
sdprw_inspect(const char *in, size_t len, const struct sdprw_policy *pol,
    struct sdprw_info *info, const char **reason)
{
	struct sdprw_parsed p;
	struct sdprw_decision d[SDPRW_MAX_MEDIA];

	return sdprw_prepare(in, len, pol, &p, d, info, reason);
}

/*
 * Append the pieces of a line: strings, and numbers where a piece is NULL
 * (the next number from nums). printf costs most of a rewrite otherwise.
 */
static void
sdprw_put(struct buf *b, const char *const *pieces, size_t npieces,
    const uint64_t *nums)
{
	char digits[21];
	size_t i, k;
	uint64_t v;

	for (i = 0; i < npieces; i++) {
		if (pieces[i] != NULL) {
			buf_addstr(b, pieces[i]);
			continue;
		}
		v = *nums++;
		k = sizeof(digits);
		do {
			digits[--k] = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
		buf_add(b, digits + k, sizeof(digits) - k);
	}
}

#define SDPRW_PUT(b, nums, ...)                                               \
	do {                                                                  \
		const char *const pieces_[] = { __VA_ARGS__ };                \
		sdprw_put((b), pieces_, sizeof(pieces_) / sizeof(pieces_[0]), \
		    (nums));                                                  \
	} while (0)

/* Whether an fmtp value is short and only digits, letters, ',' and '-'. */
static bool
sdprw_fmtp_value_ok(struct span v)
{
	size_t i;

	if (v.len == 0 || v.len > SDPRW_MAX_FMTP_VALUE)
		return false;
	for (i = 0; i < v.len; i++)
		if (!((v.p[i] >= '0' && v.p[i] <= '9') ||
			(v.p[i] >= 'a' && v.p[i] <= 'z') ||
			(v.p[i] >= 'A' && v.p[i] <= 'Z') || v.p[i] == ',' ||
			v.p[i] == '-'))
			return false;
	return true;
}

/* The value of parameter key in an fmtp list ("a=1;b=2"); first one wins. */
static bool
sdprw_fmtp_find(struct span f, const char *key, struct span *val)
{
	struct span kv, k;
	const char *semi, *eq;

	while (f.len > 0) {
		semi = span_chr(f, ';');
		kv.p = f.p;
		kv.len = semi ? (size_t)(semi - f.p) : f.len;
		f.p += kv.len + (semi ? 1 : 0);
		f.len -= kv.len + (semi ? 1 : 0);
		kv = span_trim(kv);
		if ((eq = span_chr(kv, '=')) == NULL)
			continue;
		k = span_trim((struct span){ kv.p, (size_t)(eq - kv.p) });
		if (!span_eq_str_nocase(k, key))
			continue;
		*val = span_trim(
		    (struct span){ eq + 1, (size_t)(kv.p + kv.len - eq - 1) });
		return true;
	}
	return false;
}

/*
 * Write the fmtp line of one kept type: the parameters the codec table
 * names, in the table's order and spelling, with values that pass
 * sdprw_fmtp_value_ok(); nothing if none survives. telephone-event always
 * gets "0-15" (RFC 4733's default set): the lists softphones write (0-15,
 * 0-16, none) tell them apart.
 */
static void
sdprw_write_fmtp(struct buf *b, const struct sdprw_kept *k)
{
	uint64_t num = k->out_pt;
	struct span val;
	size_t i, n = 0;

	if (k->codec == NULL)
		return;
	if (k->codec->bare) {
		SDPRW_PUT(b, &num, "a=fmtp:", NULL, " 0-15\r\n");
		return;
	}
	if (!k->in->has_fmtp)
		return;
	for (i = 0; i < 8 && k->codec->keys[i] != NULL; i++) {
		if (!sdprw_fmtp_find(k->in->fmtp, k->codec->keys[i], &val) ||
		    !sdprw_fmtp_value_ok(val))
			continue;
		if (n++ == 0)
			SDPRW_PUT(b, &num, "a=fmtp:", NULL, " ");
		else
			buf_addc(b, ';');
		SDPRW_PUT(b, NULL, k->codec->keys[i], "=");
		buf_addspan(b, val);
	}
	if (n > 0)
		buf_addstr(b, "\r\n");
}

/*
 * The a=ptime written: the sender's, moved into the policy's range (bigger
 * packets fill Tor's cells better), never above the sender's maxptime; 0
 * (none) if the sender gave none.
 */
static unsigned long
sdprw_ptime(const struct sdprw_policy *pol, const struct sdprw_pmedia *m)
{
	unsigned long lo = pol->ptime_min ? pol->ptime_min : SDPRW_PTIME_MIN;
	unsigned long hi = pol->ptime_max ? pol->ptime_max : SDPRW_PTIME_MAX;
	unsigned long p = m->ptime;

	if (p == 0)
		return 0;
	if (hi < lo)
		hi = lo;
	if (p < lo)
		p = lo;
	if (p > hi)
		p = hi;
	if (m->maxptime != 0 && p > m->maxptime)
		p = m->maxptime;
	return p;
}

/* Write one m= line and its attributes. */
static void
sdprw_write_media(struct buf *b, const struct sdprw_policy *pol,
    const struct sdprw_pmedia *m, const struct sdprw_decision *d,
    const struct sdprw_target *t, const struct sdprw_out_media *o)
{
	const char *proto;
	uint64_t num[3];
	size_t i;

	if (!d->usable || o->port == 0) {
		/* An unknown protocol is written as RTP/AVP with format 0. */
		SDPRW_PUT(b, NULL, "m=", m->type_name, " 0 ",
		    m->proto != NULL ? m->proto : "RTP/AVP", " ",
		    d->usable || m->proto == NULL ? "0" : m->fmt0, "\r\n");
		return;
	}
	proto = o->proto != NULL ? o->proto
	    : o->crypto != NULL	 ? "RTP/SAVP"
				 : "RTP/AVP";
	num[0] = o->port;
	SDPRW_PUT(b, num, "m=", m->type_name, " ", NULL, " ", proto);
	for (i = 0; i < d->nkept; i++) {
		num[0] = d->kept[i].out_pt;
		SDPRW_PUT(b, num, " ", NULL);
	}
	buf_addstr(b, "\r\n");
	for (i = 0; i < d->nkept; i++) {
		num[0] = d->kept[i].out_pt;
		num[1] = d->kept[i].rate;
		num[2] = d->kept[i].channels;
		SDPRW_PUT(
		    b, num, "a=rtpmap:", NULL, " ", d->kept[i].name, "/", NULL);
		if (d->kept[i].channels > 1)
			SDPRW_PUT(b, num + 2, "/", NULL);
		buf_addstr(b, "\r\n");
		sdprw_write_fmtp(b, &d->kept[i]);
	}
	num[0] = sdprw_ptime(pol, m);
	num[1] = m->maxptime;
	if (num[0] != 0)
		SDPRW_PUT(b, num, "a=ptime:", NULL, "\r\n");
	if (m->maxptime != 0)
		SDPRW_PUT(b, num + 1, "a=maxptime:", NULL, "\r\n");
	SDPRW_PUT(b, NULL, "a=", sdprw_dir_names[d->dir], "\r\n");
	/* A TURN allocation is one port: RTP and RTCP share it (RFC 5761). */
	num[0] = o->rtcp_mux ? o->port : o->port + 1U;
	SDPRW_PUT(b, num, "a=rtcp:", NULL, " IN IP4 ", t->addr, "\r\n");
	if (o->rtcp_mux)
		buf_addstr(b, "a=rtcp-mux\r\n");
	if (o->crypto != NULL)
		SDPRW_PUT(b, NULL, "a=crypto:", o->crypto, "\r\n");
}

/* Whether s is text the caller may have us write: printable, bounded. */
static bool
sdprw_caller_text_ok(const char *s, size_t max, bool spaces)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i == max || s[i] < (spaces ? ' ' : '!') || s[i] > '~')
			return false;
	return i > 0;
}

/* Check the caller's target before writing anything. */
static int
sdprw_target_ok(
    const struct sdprw_target *t, size_t nmedia, const char **reason)
{
	struct in_addr a;
	size_t i;

	if (t->addr == NULL || inet_pton(AF_INET, t->addr, &a) != 1) {
		*reason = "relay address is not an IPv4 literal";
		return -1;
	}
	for (i = 0; i < nmedia; i++) {
		if (t->media[i].crypto != NULL &&
		    !sdprw_caller_text_ok(
			t->media[i].crypto, SDPRW_MAX_CRYPTO, true)) {
			*reason = "crypto value is not printable";
			return -1;
		}
		if (t->media[i].proto != NULL &&
		    !sdprw_caller_text_ok(t->media[i].proto, 32, false)) {
			*reason = "media protocol is not printable";
			return -1;
		}
		if (t->media[i].port == 65535 && !t->media[i].rtcp_mux) {
			*reason = "no port for RTCP above 65535";
			return -1;
		}
	}
	return 0;
}

/* Write v= and o=: nothing of the sender's, our id and version. */
static void
sdprw_write_origin(
    struct buf *b, uint64_t sess_id, uint64_t version, const char *addr)
{
	const uint64_t num[2] = { sess_id, version };

	SDPRW_PUT(
	    b, num, "v=0\r\no=- ", NULL, " ", NULL, " IN IP4 ", addr, "\r\n");
}

/* FNV-1a over the written body, to see whether it changed. */
static uint64_t
sdprw_hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Write a new body for in to out. The o= version follows RFC 3264 section
 * 8: it goes up by one whenever what we write changes or the sender's own
 * version changes, and stays when a repeat (a retransmission, the same SDP
 * in 183 and 200) changes nothing.
 */
int
sdprw_rewrite(const char *in, size_t len, const struct sdprw_policy *pol,
    struct sdprw_session *sess, const struct sdprw_target *target,
    struct buf *out, struct sdprw_info *info, const char **reason)
{
	struct sdprw_parsed p;
	struct sdprw_decision d[SDPRW_MAX_MEDIA];
	uint64_t h, version = sess->version;
	size_t i, hdr, n;
	char *rest;

	buf_reset(out);
	if (sdprw_prepare(in, len, pol, &p, d, info, reason) == -1 ||
	    sdprw_target_ok(target, p.nmedia, reason) == -1)
		return -1;
	sdprw_write_origin(out, sess->sess_id, version, target->addr);
	hdr = out->len;
	SDPRW_PUT(out, NULL, "s=-\r\nc=IN IP4 ", target->addr, "\r\nt=0 0\r\n");
	for (i = 0; i < p.nmedia; i++) {
		if (target->media[i].ptmap != NULL && d[i].usable &&
		    target->media[i].port != 0)
			sdprw_number(
			    &d[i], target->media[i].ptmap, target->to_network);
		sdprw_write_media(
		    out, pol, &p.m[i], &d[i], target, &target->media[i]);
	}
	if (out->overflow)
		goto toobig;
	h = sdprw_hash(out->data + hdr, out->len - hdr);
	if (sess->have_in &&
	    (p.in_version != sess->in_version || h != sess->out_hash)) {
		/* A change (rare): the o= line again, one higher. */
		version++;
		n = out->len - hdr;
		rest = xmalloc(n);
		memcpy(rest, out->data + hdr, n);
		buf_reset(out);
		sdprw_write_origin(out, sess->sess_id, version, target->addr);
		buf_add(out, rest, n);
		free(rest);
		if (out->overflow)
			goto toobig;
	}
	sess->version = version;
	sess->in_version = p.in_version;
	sess->out_hash = h;
	sess->have_in = true;
	return 0;

toobig:
	buf_reset(out);
	*reason = "rewritten SDP too big";
	return -1;
}
