/*
 * test_guest_relay.c - 9pguest's relay: a TCP client on the relay's
 * 127.0.0.1 port talks to an exec: target (cat, an echo server) through
 * it; 300 KiB each way (more than the relay's buffers), then the client
 * closes and the pair goes away.  A target that cannot be dialled drops
 * the guest's connection.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9.h"
#include "targets/guest/guest.h"

static int connect_to(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

/* One round of the caller's poll loop. */
static void service(struct g_relay *r, FILE *log)
{
	struct pollfd p[16];
	int n = g_relay_pollfds(r, p, 16);
	if (poll(p, (nfds_t)n, 50) > 0)
		g_relay_service(r, p, n, log);
}

START_TEST(echo_through_relay)
{
	enum { N = 300 * 1024 };
	char err[256];
	int port = 0, fd;
	size_t sent = 0, got = 0;
	long conns;
	uint64_t up, down;
	unsigned char *out = malloc(N), *in = malloc(N);
	struct g_relay *r = g_relay_new("exec:cat", &port, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_int_gt(port, 0);
	for (size_t i = 0; i < N; i++)
		out[i] = (unsigned char)(i % 251);
	fd = connect_to(port);
	for (int round = 0; got < N && round < 2000; round++) {
		ssize_t k;
		if (sent < N && (k = send(fd, out + sent, N - sent > 8192 ? 8192 : N - sent,
					  MSG_DONTWAIT)) > 0)
			sent += (size_t)k;
		service(r, stderr);
		while ((k = recv(fd, in + got, N - got, MSG_DONTWAIT)) > 0)
			got += (size_t)k;
	}
	ck_assert_uint_eq(got, N);
	ck_assert_int_eq(memcmp(in, out, N), 0);
	g_relay_stats(r, &conns, &up, &down);
	ck_assert_int_eq(conns, 1);
	ck_assert_uint_eq(up, N);
	ck_assert_uint_eq(down, N);
	close(fd);
	for (int i = 0; i < 20; i++)
		service(r, stderr);
	g_relay_free(r);
	free(in);
	free(out);
}
END_TEST

START_TEST(undialable_target_drops_guest)
{
	char err[256], c;
	int port = 0, fd;
	ssize_t k = 1;
	FILE *log = tmpfile();
	struct g_relay *r = g_relay_new("unix:/nonexistent/sock", &port, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	fd = connect_to(port);
	for (int i = 0; i < 40 && k != 0; i++) {
		service(r, log);
		k = recv(fd, &c, 1, MSG_DONTWAIT);
		if (k < 0 && errno != EAGAIN)
			k = 0;
	}
	ck_assert_int_eq(k, 0);   /* EOF or reset: the relay closed us */
	ck_assert_int_gt(ftell(log), 0);
	close(fd);
	fclose(log);
	g_relay_free(r);
}
END_TEST

int main(void)
{
	return unit_main("guest_relay", "all", 0, UNIT_TESTS(
		echo_through_relay, undialable_target_drops_guest));
}
