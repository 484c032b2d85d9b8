# targets/guest/module.mk - bin/9pguest and the guest it boots.
PROGS += 9pguest
9pguest_SRCS := targets/guest/main.c
9pguest_LDLIBS :=
MODLIBS += guest
guest_LIBSRCS := targets/guest/frame.c targets/guest/cpio.c targets/guest/relay.c \
                 targets/guest/params.c targets/guest/vtrace.c

# The guest's kernel and initramfs (targets/guest/mkinitramfs.sh): rebuilt
# when the installed kernel, busybox or any guest file changes.
GUEST_DIR := build/guest
GUEST_INITRD := $(GUEST_DIR)/initramfs.cpio.gz
GUEST_DEPS := targets/guest/mkinitramfs.sh targets/guest/unpack-vmlinux.py targets/guest/init targets/guest/lib9pg.sh \
              $(wildcard targets/guest/workloads/*.sh) $(wildcard /boot/vmlinuz-*) \
              $(wildcard /bin/busybox)
all integration: $(GUEST_INITRD)
$(GUEST_INITRD): $(GUEST_DEPS)
	targets/guest/mkinitramfs.sh $(GUEST_DIR)
