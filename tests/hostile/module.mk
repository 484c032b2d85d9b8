# tests/hostile/module.mk - test-only programs for hostile and failing peers
# (tests/integration/7x-*.sh): bin/9phostile attacks a synthfs.
PROGS += 9phostile
9phostile_SRCS := tests/hostile/hostile-client.c
9phostile_LDLIBS :=
# bin/9pbadserver misbehaves on purpose (tests/integration/71-suite-badserver.sh)
PROGS += 9pbadserver
9pbadserver_SRCS := tests/hostile/badserver.c
9pbadserver_LDLIBS :=
