/*
 * Echo server on libwebsockets (Debian's libwebsockets-dev) with the
 * permessage-deflate extension (lws_extension_callback_pm_deflate, library
 * defaults). Usage: lws-echo PORT [--allow-abort]
 *
 * Debian's libwebsockets-test-server binaries serve the dumb-increment and
 * mirror protocols, not an echo, so this small server is needed.
 *
 * Each message is buffered whole (up to 64 MiB; larger ones are closed with
 * 1009), then written back with the same opcode in 16 KiB fragments
 * (lws_write_ws_flags), one fragment per WRITEABLE callback. Received messages
 * queue up; reading is paused (lws_rx_flow_control) while two or more wait.
 * UTF-8 validation of text is the library's (LWS_SERVER_OPTION_VALIDATE_UTF8);
 * pings and closes are the library's defaults. SIGTERM keeps its default
 * action (immediate exit).
 *
 * Known lws 4.1.6 permessage-deflate defects (library, not this file):
 * - an empty message compressed after an earlier message (context takeover)
 *   hits assert(0) and aborts the process; this server closes the connection
 *   with 1011 instead, unless started with --allow-abort;
 * - the no_context_takeover roles are swapped on the server side: with
 *   server_no_context_takeover it resets its inflater (and then fails with
 *   "invalid distance too far back"), with client_no_context_takeover it
 *   resets its deflater;
 * - an offer's server_max_window_bits is dropped from the answer.
 */
#include <libwebsockets.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MESSAGE (64u * 1024u * 1024u)
#define CHUNK 16384u
#define SERVER_STRING "libwebsockets/" LWS_LIBRARY_VERSION " (wsspec zoo)"

struct msg {
	struct msg *next;
	unsigned char *buf; /* LWS_PRE bytes of headroom, then the payload */
	size_t len, cap, sent;
	int binary;
};

struct pss {
	struct msg *rx;           /* message being received */
	struct msg *head, *tail;  /* complete messages waiting to be echoed */
	int queued;
	int paused;
	int pmd;                  /* permessage-deflate accepted */
	int tx_reset;             /* offer had client_no_context_takeover */
	unsigned long sent;       /* messages echoed so far */
};

static int allow_abort;

static void msg_free(struct msg *m)
{
	if (m) {
		free(m->buf);
		free(m);
	}
}

static int msg_append(struct msg *m, const void *in, size_t len)
{
	if (m->len + len > m->cap) {
		size_t cap = m->cap;
		unsigned char *nb;

		while (cap < m->len + len)
			cap *= 2;
		nb = realloc(m->buf, LWS_PRE + cap);
		if (!nb)
			return -1;
		m->buf = nb;
		m->cap = cap;
	}
	if (len)
		memcpy(m->buf + LWS_PRE + m->len, in, len);
	m->len += len;
	return 0;
}

static int callback_echo(struct lws *wsi, enum lws_callback_reasons reason,
			 void *user, void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	struct msg *m;

	switch (reason) {
	case LWS_CALLBACK_ADD_HEADERS: {
		/* info.server_string only reaches plain HTTP answers: add the
		 * Server header to the 101 answer here */
		struct lws_process_html_args *args =
				(struct lws_process_html_args *)in;
		unsigned char *p = (unsigned char *)args->p;

		if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_SERVER,
				(const unsigned char *)SERVER_STRING,
				(int)strlen(SERVER_STRING), &p,
				(unsigned char *)args->p + args->max_len))
			return 1;
		args->max_len -= lws_ptr_diff(p, args->p);
		args->p = (char *)p;
		break;
	}

	case LWS_CALLBACK_CONFIRM_EXTENSION_OKAY:
		if (pss && in && !strcmp((const char *)in, "permessage-deflate"))
			pss->pmd = 1;
		break;

	case LWS_CALLBACK_ESTABLISHED: {
		char ext[256];

		/* pss was zeroed by lws; lws 4.1.6 resets its deflater after
		 * each message when the client offered
		 * client_no_context_takeover (its roles are swapped) */
		if (lws_hdr_copy(wsi, ext, sizeof(ext),
				 WSI_TOKEN_EXTENSIONS) > 0 &&
		    strstr(ext, "client_no_context_takeover"))
			pss->tx_reset = 1;
		break;
	}

	case LWS_CALLBACK_RECEIVE:
		if (!pss->rx) {
			pss->rx = calloc(1, sizeof(*pss->rx));
			if (!pss->rx)
				return -1;
			/* allocate now, so even an empty message has headroom */
			pss->rx->cap = 4096;
			pss->rx->buf = malloc(LWS_PRE + pss->rx->cap);
			if (!pss->rx->buf)
				return -1;
			pss->rx->binary = lws_frame_is_binary(wsi);
		}
		if (pss->rx->len + len > MAX_MESSAGE) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
					 NULL, 0);
			return -1;
		}
		if (msg_append(pss->rx, in, len))
			return -1;
		if (!lws_is_final_fragment(wsi))
			break;
		/* message complete: queue it for echo */
		m = pss->rx;
		pss->rx = NULL;
		if (pss->tail)
			pss->tail->next = m;
		else
			pss->head = m;
		pss->tail = m;
		pss->queued++;
		if (pss->queued >= 2 && !pss->paused) {
			pss->paused = 1;
			lws_rx_flow_control(wsi, 0);
		}
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE: {
		size_t n;
		int first, final, flags;

		m = pss->head;
		if (!m)
			break;
		if (!allow_abort && pss->pmd && !m->len && pss->sent &&
		    !pss->tx_reset) {
			/*
			 * lws 4.1.6 permessage-deflate asserts (aborting the
			 * whole process) when an empty message is compressed
			 * after an earlier one on a context-takeover stream:
			 * "FAIL want to trim out length 0". Close this
			 * connection instead; --allow-abort keeps the crash.
			 */
			static const char why[] = "lws 4.1.6 cannot send an "
						  "empty compressed message";
			lws_close_reason(wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
					 (unsigned char *)why, sizeof(why) - 1);
			return -1;
		}
		n = m->len - m->sent;
		if (n > CHUNK)
			n = CHUNK;
		first = m->sent == 0;
		final = m->sent + n == m->len;
		flags = lws_write_ws_flags(m->binary ? LWS_WRITE_BINARY :
						       LWS_WRITE_TEXT,
					   first, final);
		if (lws_write(wsi, m->buf + LWS_PRE + m->sent, n,
			      (enum lws_write_protocol)flags) < (int)n)
			return -1;
		m->sent += n;
		if (final) {
			pss->sent++;
			pss->head = m->next;
			if (!pss->head)
				pss->tail = NULL;
			pss->queued--;
			msg_free(m);
			if (pss->paused && pss->queued < 2) {
				pss->paused = 0;
				lws_rx_flow_control(wsi, 1);
			}
		}
		if (pss->head)
			lws_callback_on_writable(wsi);
		break;
	}

	case LWS_CALLBACK_CLOSED:
		msg_free(pss->rx);
		pss->rx = NULL;
		while ((m = pss->head)) {
			pss->head = m->next;
			msg_free(m);
		}
		pss->tail = NULL;
		break;

	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "echo", callback_echo, sizeof(struct pss), 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_extension extensions[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate,
	  "permessage-deflate; client_max_window_bits" },
	{ NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *context;

	if (argc < 2) {
		fprintf(stderr, "usage: lws-echo PORT [--allow-abort]\n");
		return 2;
	}
	allow_abort = argc > 2 && !strcmp(argv[2], "--allow-abort");
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof(info));
	info.port = atoi(argv[1]);
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.extensions = extensions;
	info.server_string = SERVER_STRING;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;

	context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "lws-echo: lws_create_context failed\n");
		return 1;
	}
	while (lws_service(context, 0) >= 0)
		;
	lws_context_destroy(context);
	return 0;
}
