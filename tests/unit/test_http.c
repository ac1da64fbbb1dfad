/*
 * Unit tests of the HTTP client's retry policy on a clock the test
 * controls: Retry-After (seconds and dates), backoff without it, the
 * attempts budget, a far-future Retry-After ending the run partial, and
 * the rate limit. A scripted server on 127.0.0.1 answers each connection
 * with the next canned response; sleeping only advances the fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

struct server {
	int fd, port;
	const char *responses[8];
	int n, served;
	pthread_t th;
};

static double fake_now, slept;

static double clock_now(void)
{
	return fake_now;
}

static void clock_sleep(double s)
{
	fake_now += s;
	slept += s;
}

static double rnd_max(void)
{
	return 0.999999;
}

static void *serve(void *arg)
{
	struct server *sv = arg;

	for (sv->served = 0; sv->served < sv->n; sv->served++) {
		char buf[4096];
		size_t got = 0;
		int c = accept(sv->fd, NULL, NULL);
		if (c < 0)
			break;
		while (got < sizeof buf - 1) {
			ssize_t r = read(c, buf + got, sizeof buf - 1 - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			buf[got] = '\0';
			if (strstr(buf, "\r\n\r\n"))
				break;
		}
		if (write(c, sv->responses[sv->served], strlen(sv->responses[sv->served])) < 0)
			break;
		close(c);
	}
	return NULL;
}

static void start(struct server *sv)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof a;

	sv->fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(sv->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(sv->fd, 8), 0);
	getsockname(sv->fd, (struct sockaddr *)&a, &len);
	sv->port = ntohs(a.sin_port);
	pthread_create(&sv->th, NULL, serve, sv);
}

static void stop(struct server *sv)
{
	shutdown(sv->fd, SHUT_RDWR);
	close(sv->fd);
	pthread_join(sv->th, NULL);
}

#define OK200 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
#define E503 "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define E500 "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

static struct http_client *client(struct server *sv, int attempts, double max_wait,
    const char *rate_limit)
{
	struct http_opts o = {0};
	struct http_client *c = NULL;
	struct ss_err e;
	char base[64];

	snprintf(base, sizeof base, "http://127.0.0.1:%d", sv->port);
	o.prefix = "test";
	o.base_url = base;
	o.user_agent = "salesync-test";
	o.connect_timeout = 5;
	o.request_timeout = 5;
	o.max_attempts = attempts;
	o.max_retry_wait = max_wait;
	o.backoff_base = 0.5;
	o.backoff_cap = 30;
	o.rate_limit = rate_limit;
	assert_int_equal(http_new(&o, NULL, &c, &e), 0);
	fake_now = 1792567680; /* 2026-10-21T07:28:00Z */
	slept = 0;
	http_set_clock(c, clock_now, clock_sleep, rnd_max);
	return c;
}

static int get(struct http_client *c, struct http_stats *st, struct ss_err *e, long *status)
{
	struct ss_http_request req = SS_HTTP_REQUEST_INIT;
	const struct ss_http_response *r = NULL;
	int rc;

	req.url = "/x";
	rc = http_send(c, &req, &r, st, e);
	*status = rc == 0 ? r->status : 0;
	return rc;
}

static void test_retry_after_seconds(void **state)
{
	struct server sv = {.responses = {"HTTP/1.1 503 Busy\r\nRetry-After: 7\r\nContent-Length: 0\r\n"
	                                  "Connection: close\r\n\r\n", OK200}, .n = 2};
	struct http_stats st = {0};
	struct ss_err e;
	struct http_client *c;
	long status;

	(void)state;
	start(&sv);
	c = client(&sv, 5, 300, NULL);
	assert_int_equal(get(c, &st, &e, &status), 0);
	assert_int_equal(status, 200);
	assert_true(fabs(slept - 7) < 0.2);
	assert_int_equal(st.requests, 2);
	assert_int_equal(st.retries, 1);
	assert_true(st.wait_ms >= 7000);
	http_free(c);
	stop(&sv);
}

static void test_retry_after_date(void **state)
{
	struct server sv = {.responses = {"HTTP/1.1 429 Slow down\r\nRetry-After: Wed, 21 Oct 2026 07:28:20 GMT\r\n"
	                                  "Content-Length: 0\r\nConnection: close\r\n\r\n", OK200}, .n = 2};
	struct http_stats st = {0};
	struct ss_err e;
	struct http_client *c;
	long status;

	(void)state;
	start(&sv);
	c = client(&sv, 5, 300, NULL);
	assert_int_equal(get(c, &st, &e, &status), 0);
	assert_true(fabs(slept - 20) < 0.2);
	assert_int_equal(st.throttled, 1);
	http_free(c);
	stop(&sv);
}

static void test_backoff_doubles(void **state)
{
	struct server sv = {.responses = {E500, E500, OK200}, .n = 3};
	struct http_stats st = {0};
	struct ss_err e;
	struct http_client *c;
	long status;

	(void)state;
	start(&sv);
	c = client(&sv, 5, 300, NULL);
	assert_int_equal(get(c, &st, &e, &status), 0);
	/* Full jitter at its top: 0.5 s, then 1 s. */
	assert_true(fabs(slept - 1.5) < 0.01);
	assert_int_equal(st.retries, 2);
	http_free(c);
	stop(&sv);
}

static void test_attempts_budget(void **state)
{
	struct server sv = {.responses = {E503, E503, E503}, .n = 3};
	struct http_stats st = {0};
	struct ss_err e;
	struct http_client *c;
	long status;

	(void)state;
	start(&sv);
	c = client(&sv, 3, 300, NULL);
	assert_int_equal(get(c, &st, &e, &status), SS_ERETRY);
	assert_non_null(strstr(e.msg, "HTTP 503 after 3 attempts"));
	assert_int_equal(st.requests, 3);
	http_free(c);
	stop(&sv);
}

static void test_far_future_is_partial(void **state)
{
	struct server sv = {.responses = {"HTTP/1.1 429 Daily\r\nRetry-After: 86400\r\nContent-Length: 0\r\n"
	                                  "Connection: close\r\n\r\n"}, .n = 1};
	struct http_stats st = {0};
	struct ss_err e;
	struct http_client *c;
	long status;

	(void)state;
	start(&sv);
	c = client(&sv, 5, 300, NULL);
	assert_int_equal(get(c, &st, &e, &status), SS_EQUOTA);
	assert_true(slept < 0.001); /* never sleeps for hours */
	assert_non_null(strstr(e.msg, "Retry-After 86400 s"));
	http_free(c);
	stop(&sv);
}

static void test_wait_budget_caps_backoff(void **state)
{
	struct server sv = {.responses = {E500, E500, E500, E500}, .n = 4};
	struct http_stats st = {0};
	struct ss_err e;
	struct http_client *c;
	long status;

	(void)state;
	start(&sv);
	c = client(&sv, 4, 1.0, NULL);
	assert_int_equal(get(c, &st, &e, &status), SS_ERETRY);
	/* 0.5 + 1.0 would pass the 1 s budget: the waits stop at it, and no
	 * attempt follows without a wait. */
	assert_true(fabs(slept - 1.0) < 1e-5);
	assert_int_equal(st.requests, 3);
	assert_non_null(strstr(e.msg, "max_retry_wait"));
	http_free(c);
	stop(&sv);
}

static void test_rate_limit_spaces_requests(void **state)
{
	struct server sv = {.responses = {OK200, OK200, OK200}, .n = 3};
	struct http_stats st = {0};
	struct ss_err e;
	struct http_client *c;
	long status;

	(void)state;
	start(&sv);
	c = client(&sv, 1, 300, "2/10s");
	for (int i = 0; i < 3; i++)
		assert_int_equal(get(c, &st, &e, &status), 0);
	/* Two go at once; the third waits for one token: 5 s. */
	assert_true(fabs(slept - 5) < 0.2);
	http_free(c);
	stop(&sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_retry_after_seconds),
	    cmocka_unit_test(test_retry_after_date),
	    cmocka_unit_test(test_backoff_doubles),
	    cmocka_unit_test(test_attempts_budget),
	    cmocka_unit_test(test_far_future_is_partial),
	    cmocka_unit_test(test_wait_budget_caps_backoff),
	    cmocka_unit_test(test_rate_limit_spaces_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
