/*
 * virtio_pci.c - bringing up a legacy virtio-pci device through port I/O.
 *
 * Owns: PCI configuration cycles (address at 0xcf8, data at 0xcfc), mapping
 * BAR0 as I/O and enabling bus mastering, the legacy virtio register block
 * (features, queue select/size/PFN, notify, status, ISR, device config) and
 * the 9p device's mount tag.  Nothing here knows 9P; every access is one
 * qtest command.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "targets/qemu.h"

enum {
	PCI_ADDR = 0xcf8, PCI_DATA = 0xcfc,
	CFG_VENDOR = 0x00, CFG_COMMAND = 0x04, CFG_BAR0 = 0x10, CFG_SUBSYS = 0x2c,
	VIRTIO_VENDOR = 0x1af4, VIRTIO_SUBSYS_9P = 9,
	/* legacy virtio I/O register offsets */
	VIO_HOST_FEATURES = 0, VIO_GUEST_FEATURES = 4, VIO_QUEUE_PFN = 8,
	VIO_QUEUE_SIZE = 12, VIO_QUEUE_SEL = 14, VIO_QUEUE_NOTIFY = 16,
	VIO_STATUS = 18, VIO_ISR = 19, VIO_CONFIG = 20,
	ST_ACK = 1, ST_DRIVER = 2, ST_DRIVER_OK = 4, ST_FAILED = 0x80,
	F_MOUNT_TAG = 1,
};

static int cfg_read(struct p9_qtest *q, int devfn, int off, uint32_t *v)
{
	int rc = p9_qtest_out(q, 4, PCI_ADDR, 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)(off & 0xfc));
	return rc ? rc : p9_qtest_in(q, 4, PCI_DATA, v);
}

static int cfg_write(struct p9_qtest *q, int devfn, int off, uint32_t v)
{
	int rc = p9_qtest_out(q, 4, PCI_ADDR, 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)(off & 0xfc));
	return rc ? rc : p9_qtest_out(q, 4, PCI_DATA, v);
}

static int read_tag(struct p9_vpci *v)
{
	uint32_t len, ch;
	int rc = p9_qtest_in(v->qt, 2, (uint16_t)(v->io + VIO_CONFIG), &len);
	if (rc)
		return rc;
	if (len >= sizeof v->tag)
		return -EPROTO;
	for (uint32_t i = 0; i < len; i++) {
		if ((rc = p9_qtest_in(v->qt, 1, (uint16_t)(v->io + VIO_CONFIG + 2 + i), &ch)))
			return rc;
		v->tag[i] = (char)ch;
	}
	v->tag[len] = 0;
	return 0;
}

static int fail(char *err, size_t cap, int rc, const char *what)
{
	snprintf(err, cap, "virtio-9p-pci: %s (%s)", what, rc == -EIO ? "qtest FAIL" : strerror(-rc));
	return rc;
}

int p9_vpci_init(struct p9_vpci *v, struct p9_qtest *qt, int devfn,
		 uint16_t io, char *err, size_t cap)
{
	uint32_t id, sub, qsize;
	int rc;
	memset(v, 0, sizeof *v);
	v->qt = qt;
	v->io = io;
	if ((rc = cfg_read(qt, devfn, CFG_VENDOR, &id)))
		return fail(err, cap, rc, "cannot read PCI config");
	if ((id & 0xffff) != VIRTIO_VENDOR)
		return fail(err, cap, -ENODEV, "no virtio device at 04.0");
	if ((rc = cfg_read(qt, devfn, CFG_SUBSYS, &sub)))
		return fail(err, cap, rc, "cannot read PCI config");
	if ((sub >> 16) != VIRTIO_SUBSYS_9P)
		return fail(err, cap, -ENODEV, "the device at 04.0 is not virtio-9p");
	if ((rc = cfg_write(qt, devfn, CFG_BAR0, io | 1u)) ||
	    (rc = cfg_write(qt, devfn, CFG_COMMAND, 0x7)))
		return fail(err, cap, rc, "cannot map BAR0");
	/* reset, acknowledge, driver */
	if ((rc = p9_qtest_out(qt, 1, (uint16_t)(io + VIO_STATUS), 0)) ||
	    (rc = p9_qtest_out(qt, 1, (uint16_t)(io + VIO_STATUS), ST_ACK)) ||
	    (rc = p9_qtest_out(qt, 1, (uint16_t)(io + VIO_STATUS), ST_ACK | ST_DRIVER)))
		return fail(err, cap, rc, "reset failed");
	if ((rc = p9_qtest_in(qt, 4, (uint16_t)(io + VIO_HOST_FEATURES), &v->host_features)))
		return fail(err, cap, rc, "cannot read features");
	/* Only the mount tag: no indirect descriptors, no event index. */
	if ((rc = p9_qtest_out(qt, 4, (uint16_t)(io + VIO_GUEST_FEATURES),
			       v->host_features & F_MOUNT_TAG)))
		return fail(err, cap, rc, "cannot write features");
	if ((rc = p9_qtest_out(qt, 2, (uint16_t)(io + VIO_QUEUE_SEL), 0)) ||
	    (rc = p9_qtest_in(qt, 2, (uint16_t)(io + VIO_QUEUE_SIZE), &qsize)))
		return fail(err, cap, rc, "cannot select queue 0");
	if (qsize < 2 || qsize > 32768 || (qsize & (qsize - 1)))
		return fail(err, cap, -EPROTO, "queue 0 has an impossible size");
	v->qsize = (uint16_t)qsize;
	if ((v->host_features & F_MOUNT_TAG) && (rc = read_tag(v)))
		return fail(err, cap, rc, "cannot read the mount tag");
	return 0;
}

int p9_vpci_setup_queue(struct p9_vpci *v, uint64_t pa)
{
	int rc = p9_qtest_out(v->qt, 2, (uint16_t)(v->io + VIO_QUEUE_SEL), 0);
	return rc ? rc : p9_qtest_out(v->qt, 4, (uint16_t)(v->io + VIO_QUEUE_PFN), (uint32_t)(pa >> 12));
}

int p9_vpci_driver_ok(struct p9_vpci *v)
{
	uint32_t st;
	int rc = p9_qtest_out(v->qt, 1, (uint16_t)(v->io + VIO_STATUS),
			      ST_ACK | ST_DRIVER | ST_DRIVER_OK);
	if (rc || (rc = p9_qtest_in(v->qt, 1, (uint16_t)(v->io + VIO_STATUS), &st)))
		return rc;
	return st & ST_FAILED ? -EIO : 0;
}

int p9_vpci_notify_async(struct p9_vpci *v)
{
	return p9_qtest_async(v->qt, "outw 0x%x 0x0", v->io + VIO_QUEUE_NOTIFY);
}
