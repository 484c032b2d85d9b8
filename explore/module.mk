# explore/module.mk - `9psuite explore`: model-based random testing of a 9P
# server (generator, model, runner, shrinker, reproducer, reports); a
# library linked into bin/9psuite, whose main() hands it `explore`.
MODLIBS += explore
explore_LIBSRCS := explore/gen.c explore/model.c explore/run.c explore/shrink.c \
                   explore/emit.c explore/report.c explore/main.c
