/* libFuzzer target: arbitrary bytes as the TCP stream a client sends to
 * iedd, through the whole inbound path TPKT -> COTP -> session ->
 * presentation -> ACSE -> MMS -> service dispatch.
 *
 * The stream is framed with tpkt_header() bounded by mms_assoc_max_tpkt(),
 * as daemon/net/server.c frames it, and each TPKT is handed to
 * mms_assoc_input() from an exact-size copy, so a read past the TPKT is
 * caught by ASan even when more input follows. Processing stops where the
 * server would close the connection. Whatever the server writes must be
 * well-framed TPKTs; anything else is a crash. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cotp.h"
#include "mms_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void trace(void *ctx, bool in, const char *line)
{
	/* format every trace line, and read it to its end */
	*(size_t *)ctx += strlen(line) + in;
}

/* The server's output must be a sequence of complete TPKTs. */
static void check_framing(const struct buf *out)
{
	size_t off = 0;
	if (!out->len)
		return; /* and out->base may be NULL */
	const uint8_t *p = buf_data(out);
	while (off < out->len) {
		size_t n;
		if (tpkt_header(p + off, out->len - off, 65535, &n, NULL) || n > out->len - off)
			__builtin_trap();
		off += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mms_server srv;
	struct mms_assoc a;
	struct buf out;
	size_t off = 0, traced = 0;

	mms_server_init(&srv, 65000, 16, 10);
	mms_assoc_init(&a, 1);
	buf_init(&out, 0, 0);
	while (off < size) {
		size_t n;
		struct proto_err err = { 0 };
		if (tpkt_header(data + off, size - off, mms_assoc_max_tpkt(&a), &n, &err) ||
		    n > size - off)
			break; /* bad header, or waiting for more: the server stops here too */
		uint8_t *tpkt = malloc(n);
		if (!tpkt)
			break;
		memcpy(tpkt, data + off, n);
		int r = mms_assoc_input(&a, &srv, tpkt, n, &out, &err, trace, &traced);
		free(tpkt);
		/* the contract: -EBADMSG, and every refusal says where and why */
		if (r < 0 && (r != -EBADMSG || !err.layer || !err.reason[0]))
			__builtin_trap();
		check_framing(&out);
		buf_reset(&out, 0);
		if (r < 0 || r == MMS_STEP_CLOSE)
			break;
		off += n;
	}
	buf_clear(&out);
	mms_assoc_clear(&a);
	mms_server_clear(&srv);
	return 0;
}
