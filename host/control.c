/* control: client side of the daemon's line-based JSON socket. */
#include "control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int ctl_connect(const char *path, struct ss_err *err)
{
	struct sockaddr_un a = {0};
	int fd;

	if (strlen(path) >= sizeof a.sun_path) {
		err_set(err, SS_EINVAL, "socket path %s is too long", path);
		return -1;
	}
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		err_set(err, SS_EIO, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		err_set(err, SS_EIO, "no daemon at %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int ctl_send(int fd, json_t *req, struct ss_err *err)
{
	char *s = json_dumps(req, JSON_COMPACT);
	size_t n, off = 0;
	int rc = 0;

	if (!s)
		return err_set(err, SS_EINVAL, "cannot encode the request");
	n = strlen(s);
	s[n++] = '\n'; /* json_dumps leaves room: replace the NUL */
	while (off < n) {
		ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = err_set(err, SS_EIO, "writing to the daemon: %s", strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	free(s);
	return rc;
}

json_t *ctl_recv(int fd, struct sb *b, int timeout_ms, struct ss_err *err)
{
	for (;;) {
		char *nl = b->buf ? memchr(b->buf, '\n', b->len) : NULL;
		struct pollfd p = {fd, POLLIN, 0};
		char chunk[4096];
		ssize_t n;

		if (nl) {
			json_error_t je;
			size_t len = (size_t)(nl - b->buf);
			json_t *j = json_loadb(b->buf, len, 0, &je);
			memmove(b->buf, nl + 1, b->len - len - 1);
			b->len -= len + 1;
			b->buf[b->len] = '\0';
			if (!json_is_object(j)) {
				json_decref(j);
				err_set(err, SS_EPARSE, "bad answer from the daemon: %s", je.text);
				return NULL;
			}
			return j;
		}
		if (poll(&p, 1, timeout_ms) <= 0) {
			err_set(err, SS_EIO, "the daemon did not answer in time");
			return NULL;
		}
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_set(err, SS_EIO, "the daemon closed the connection");
			return NULL;
		}
		sb_add(b, chunk, (size_t)n);
	}
}
