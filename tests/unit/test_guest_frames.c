/*
 * test_guest_frames.c - 9pguest's host-side pieces: the console frame
 * parser and tally, the newc cpio writer (read back with cpio(1)), and the
 * /run/params quoting (read back with sh).
 */
#include <check.h>

#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "targets/guest/guest.h"

START_TEST(parses_steps)
{
	struct g_frame f;
	g_frame_parse("@@9PG step basic/write ok ", &f);
	ck_assert_int_eq(f.kind, GF_STEP);
	ck_assert_str_eq(f.name, "basic/write");
	ck_assert_int_eq(f.ok, 1);
	ck_assert_str_eq(f.text, "");
	g_frame_parse("@@9PG step readdir/d10000-4096 fail want '1' got '2'\r", &f);
	ck_assert_int_eq(f.kind, GF_STEP);
	ck_assert_int_eq(f.ok, 0);
	ck_assert_str_eq(f.text, "want '1' got '2'");
}
END_TEST

START_TEST(parses_other_frames)
{
	struct g_frame f;
	g_frame_parse("[    3.1] random kernel text", &f);
	ck_assert_int_eq(f.kind, GF_NONE);
	g_frame_parse("[    3.1] kernel text without newline@@9PG end 2", &f);
	ck_assert_int_eq(f.kind, GF_END);
	ck_assert_int_eq(f.nfail, 2);
	g_frame_parse("@@9PG mount fail mount: Connection refused", &f);
	ck_assert_int_eq(f.kind, GF_MOUNT);
	ck_assert_int_eq(f.ok, 0);
	ck_assert_str_eq(f.text, "mount: Connection refused");
	g_frame_parse("@@9PG step x maybe", &f);
	ck_assert_int_eq(f.kind, GF_BAD);
	g_frame_parse("@@9PG end", &f);
	ck_assert_int_eq(f.kind, GF_BAD);
	g_frame_parse("@@9PG bogus", &f);
	ck_assert_int_eq(f.kind, GF_BAD);
	g_frame_parse("@@9PG dmesg [ 5.0] 9pnet: bogus RREADDIR count", &f);
	ck_assert_int_eq(f.kind, GF_DMESG);
	ck_assert_str_eq(f.text, "[ 5.0] 9pnet: bogus RREADDIR count");
}
END_TEST

static void feed(struct g_tally *t, const char *line)
{
	struct g_frame f;
	g_frame_parse(line, &f);
	g_tally_add(t, &f);
}

START_TEST(tally_verdicts)
{
	struct g_tally t = { 0 };
	feed(&t, "@@9PG boot 6.1.0 2.31s");
	ck_assert(t.boot_uptime > 2.3 && t.boot_uptime < 2.32);
	feed(&t, "@@9PG mount ok rw");
	ck_assert(!g_tally_passed(&t));         /* no step, no end */
	feed(&t, "@@9PG step a/b ok");
	ck_assert(!g_tally_passed(&t));         /* no end: guest died */
	feed(&t, "@@9PG end 0");
	ck_assert(g_tally_passed(&t));
	feed(&t, "@@9PG dmesg 9pnet: -- p9_client_rpc: error");
	ck_assert(g_tally_passed(&t));          /* reported, not a failure */
	feed(&t, "@@9PG dmesg WARNING: CPU: 0 PID: 1 at fs/9p/vfs_inode.c");
	ck_assert(!g_tally_passed(&t));
	memset(&t, 0, sizeof t);
	feed(&t, "@@9PG boot k 1s");
	feed(&t, "@@9PG mount ok rw");
	feed(&t, "@@9PG step a/b fail x");
	feed(&t, "@@9PG end 1");
	ck_assert(!g_tally_passed(&t));
	ck_assert_int_eq(t.failed, 1);
}
END_TEST

/* Run cmd with sh; its standard output in out (cap bytes with the NUL).
 * Returns pclose's status. */
static int sh_output(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, cap - 1, p);
	out[n] = 0;
	return pclose(p);
}

START_TEST(cpio_round_trip)
{
	char dir[] = "/tmp/test_guest.XXXXXX", path[128], cmd[512], out[256];
	FILE *f;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/a.cpio", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(g_cpio_dir(f, "run", 0755), 0);
	ck_assert_int_eq(g_cpio_file(f, "run/params", 0644, "X='1'\n", 6), 0);
	ck_assert_int_eq(g_cpio_file(f, "run/odd.sh", 0755, "abcde", 5), 0);
	ck_assert_int_eq(g_cpio_trailer(f), 0);
	ck_assert_int_eq(ftell(f) % 4, 0);
	fclose(f);
	snprintf(cmd, sizeof cmd,
		 "cd %s && mkdir x && cd x && cpio -id --quiet < ../a.cpio && "
		 "cat run/params run/odd.sh && stat -c %%a run/odd.sh", dir);
	ck_assert_int_eq(sh_output(cmd, out, sizeof out), 0);
	ck_assert_str_eq(out, "X='1'\nabcde755\n");
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(params_quote_for_sh)
{
	char buf[512], cmd[700], out[256];
	size_t len = 0;
	const char *nasty = "it's $HOME `x` \"q\" \\ end";
	ck_assert_int_eq(g_param(buf, sizeof buf, &len, "A", nasty), 0);
	ck_assert_int_eq(g_param(buf, sizeof buf, &len, "B", ""), 0);
	ck_assert_uint_eq(len, strlen(buf));
	snprintf(cmd, sizeof cmd, "cat > /tmp/test_guest_params.$$ <<'EOF_'\n%sEOF_\n"
		 ". /tmp/test_guest_params.$$; rm /tmp/test_guest_params.$$; "
		 "printf '%%s|%%s' \"$A\" \"$B\"", buf);
	sh_output(cmd, out, sizeof out);
	ck_assert_str_eq(out, "it's $HOME `x` \"q\" \\ end|");
	len = 0;
	ck_assert_int_eq(g_param(buf, 8, &len, "LONGNAME", "v"), -ENOSPC);
}
END_TEST

int main(void)
{
	return unit_main("guest_frames", "all", 0, UNIT_TESTS(
		parses_steps, parses_other_frames, tally_verdicts,
		cpio_round_trip, params_quote_for_sh));
}
