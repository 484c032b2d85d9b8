# suite/module.mk - 9psuite: the case language, interpreter, runner and reporters.
PROGS += 9psuite
9psuite_SRCS := suite/main.c
MODLIBS += suite
suite_LIBSRCS := suite/lex.c suite/parse.c suite/value.c suite/interp.c \
                 suite/helpers.c suite/runner.c suite/report.c
