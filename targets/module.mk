# targets/module.mk - the qemu: transport (virtio-9p-pci over qtest), built
# into libp9kit.a so every program's p9_dial accepts qemu: targets, and
# 9pvirtio, its diagnostic tool.
LIB_SRCS += targets/qtest.c targets/qemu_opts.c targets/qemu_launch.c \
            targets/virtio_pci.c targets/virtq.c targets/conn_qemu.c \
            targets/qemu_scratch.c targets/qemu_synthfs.c
PROGS += 9pvirtio
9pvirtio_SRCS := targets/9pvirtio.c
