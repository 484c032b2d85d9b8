# targets/module.mk - the qemu: transport (virtio-9p-pci over qtest), built
# into libp9kit.a so every program's p9_dial accepts qemu: targets, and
# 9pvirtio, its diagnostic tool.
LIB_SRCS += targets/qtest.c targets/qemu_opts.c targets/qemu_launch.c \
            targets/virtio_pci.c targets/virtq.c targets/conn_qemu.c \
            targets/qemu_scratch.c targets/qemu_synthfs.c
# conn_qemu.c registers "qemu:" with lib's transports from a constructor
# (lib/ includes nothing from targets/); naming that function on the link
# line pulls its object out of the archive into every program and test.
LDFLAGS += -Wl,--undefined=p9_qemu_register
PROGS += 9pvirtio
9pvirtio_SRCS := targets/9pvirtio.c
