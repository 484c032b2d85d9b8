# suite/module.mk - 9psuite: the case language, interpreter, runner and reporters.
PROGS += 9psuite
9psuite_SRCS := suite/main.c
MODLIBS += suite
suite_LIBSRCS := suite/lex.c suite/parse.c suite/value.c suite/session.c suite/target.c suite/eval.c suite/interp.c suite/handshake.c \
                 suite/fields.c suite/connect.c suite/langtab.c \
                 suite/send.c suite/expect.c \
                 suite/helpers.c suite/fixtures.c suite/runner.c suite/report.c

# make install also installs the case files and target descriptions, where an
# installed 9psuite looks for them (PREFIX/share/9pkit/).
install: install-suite
.PHONY: install-suite
install-suite:
	install -d $(DESTDIR)$(PREFIX)/share/9pkit/cases $(DESTDIR)$(PREFIX)/share/9pkit/targets
	install -m 644 suite/cases/*.case $(DESTDIR)$(PREFIX)/share/9pkit/cases/
	install -m 644 targets/*.target targets/*.expect $(DESTDIR)$(PREFIX)/share/9pkit/targets/
