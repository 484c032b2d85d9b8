# targets/module.mk - the qemu: transport (virtio-9p-pci over qtest), built
# into libp9kit.a so every program's p9_dial accepts qemu: targets.
LIB_SRCS += $(wildcard targets/*.c)
