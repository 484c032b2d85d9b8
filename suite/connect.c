/*
 * connect.c - a case's connection: dial the target (a QEMU target may take
 * the case's whole time), make the client with the run's decoding
 * tolerances, Tversion and Tattach fid 0, and set the runner's variables
 * ($root, $msize, $iomax, $asroot, $rootqid, $multidev, $msize_grew).
 * Used by every case's setup (interp.c), the connect and reconnect
 * helpers (langtab.c) and the runner's probe and sweep.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

int in_connect(struct interp *in, const struct stmt *s, int attach, uint32_t msize)
{
	char err[512];
	int rc;
	struct p9_qid q;
	in_disconnect(in);
	/* a dial may take the case's whole time (qemu: starts a QEMU) */
	uint64_t now = p9_now_ns();
	int dial_ms = now >= in->deadline_ns ? 0 : (int)((in->deadline_ns - now) / 1000000);
	rc = p9_dial(in->o->target, dial_ms, &in->conn, err, sizeof err);
	if (rc) {
		snprintf(in->infra, sizeof in->infra, "%s", err);
		return in_fail(in, s, "cannot connect: %s", err);
	}
	in->cl = p9_client_new(in->conn, msize, in->dialect);
	if (!in->cl)
		abort();
	/* QEMU's Rstat n[2] = 0 and nfs-ganesha's Rerror for Rlerror are decoded,
	 * logged and counted; STAT13 and ERR5 fail on them */
	if (!in->o->strict_decode)
		in->cl->decode_flags = P9_DEC_STATLEN | P9_DEC_RLERROR;
	/* the probe found the Rversion's tag is not NOTAG: VER11 reports it,
	 * other cases that send a Tversion take such an Rversion as its reply */
	if (in->caps && (in->caps->versiondev & VDEV_TAG))
		in->cl->lax = P9_LAX_VERSION_TAG;
	in->versioned = 0;
	var_int(in, "root", 0);
	var_str(in, "multidev", in->o->multidev ? in->o->multidev : "multidev");
	/* the probe's Rversion answered more than the msize asked: VER12 says
	 * so, and cases whose verdict follows from it skip */
	var_int(in, "msize_grew", in->caps && (in->caps->versiondev & VDEV_MSIZE));
	if (attach < 0)
		return 0;
	rc = in_version(in, msize, err, sizeof err);
	if (rc == -ECONNRESET)
		return in_lost(in, s, P9_TVERSION, P9_NOTAG);
	if (rc)
		return in_fail(in, s, "version: %s", err);
	if (in->cl->dialect != in->dialect)
		return in_fail(in, s, "server answered %s to %s", p9_dialect_name(in->cl->dialect),
			       p9_dialect_name(in->dialect));
	in->versioned = 1;
	var_int(in, "msize", in->cl->msize);
	var_int(in, "root", 0);
	var_int(in, "iomax", in->cl->msize - P9_IOHDRSZ);
	/* root may open a read-only file for writing on a server that acts
	 * as its user (cases on permissions skip then) */
	var_int(in, "asroot", in->o->n_uname == 0 || strcmp(in->o->uname, "root") == 0);
	if (!attach)
		return 0;
	in_log(in, "-> Tattach fid 0 afid -1 uname %s aname %s", in->o->uname, in->o->aname);
	rc = p9_client_attach(in->cl, 0, in->o->uname, in->o->aname, in->o->n_uname,
			      in_call_ms(in), &q, err, sizeof err);
	if (rc)
		return in_fail(in, s, "attach: %s", err);
	in_log(in, "<- Rattach qid (%llx %u)", (unsigned long long)q.path, q.version);
	var_qid(in, "rootqid", q);
	return 0;
}
