# lib/module.mk - lib9p: the message table, codec, printers, connections.
LIB_SRCS += $(wildcard lib/*.c)
