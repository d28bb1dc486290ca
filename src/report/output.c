/* output: a file the run writes its results to, with every failure to
 * write noticed and named; a regular report file appears whole or not at
 * all. */
#include "report/output.h"

#include "core/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void output_stdout(struct output *o)
{
    memset(o, 0, sizeof(*o));
    o->f = stdout;
    o->name = "-";
}

static const char *label(const struct output *o)
{
    return strcmp(o->name, "-") == 0 ? "standard output" : o->name;
}

/* A temporary file in path's directory, with path's permissions to be. */
static FILE *open_whole(struct output *o, const char *path)
{
    size_t n = strlen(path) + 16;
    o->tmp = malloc(n);
    if (o->tmp == 0)
        return 0;
    snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        free(o->tmp);
        o->tmp = 0;
        return 0;
    }
    /* mkstemp makes it 0600; a report is as readable as any new file. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "w");
    if (f == 0) {
        int e = errno;
        close(fd);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = 0;
        errno = e;
    }
    return f;
}

int output_open(struct output *o, const char *path, bool whole)
{
    struct stat st;

    memset(o, 0, sizeof(*o));
    o->name = path;
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    /* Only a regular file (or none yet) is replaced by a rename: renaming
     * onto /dev/full or a FIFO would replace the device with a file. */
    int regular = stat(path, &st) < 0 ? errno == ENOENT : S_ISREG(st.st_mode);
    if (whole && regular) {
        /* Fail now, not at the end, if the file itself cannot be written. */
        if (access(path, F_OK) == 0 && access(path, W_OK) < 0)
            return -1;
        o->f = open_whole(o, path);
        /* A directory that takes no new file: the file itself, directly. */
        if (o->f == 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
            o->f = fopen(path, "w");
    } else {
        o->f = fopen(path, "w");
    }
    return o->f ? 0 : -1;
}

/* One line, once: the output and the reason. */
static void complain(struct output *o)
{
    char text[512];
    if (o->warned)
        return;
    o->warned = true;
    int n = snprintf(text, sizeof(text), "write %s: %s", label(o), strerror(o->err));
    if (n > 0)
        diag_text("error", text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

static void note(struct output *o, int e)
{
    if (o->err == 0)
        o->err = e ? e : EIO;
}

int output_check(struct output *o)
{
    if (o->f && ferror(o->f))
        note(o, errno);
    if (o->err)
        complain(o);
    return o->err ? -1 : 0;
}

int output_close(struct output *o)
{
    if (o->f == 0)
        return 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        note(o, errno);
    if (o->f != stdout) {
        if (o->tmp && o->err == 0 && fsync(fileno(o->f)) < 0)
            note(o, errno);
        if (fclose(o->f) != 0)
            note(o, errno);
    }
    o->f = 0;
    if (o->tmp) {
        if (o->err == 0 && rename(o->tmp, o->name) < 0)
            note(o, errno);
        if (o->err)
            unlink(o->tmp);
        free(o->tmp);
        o->tmp = 0;
    }
    if (o->err) {
        complain(o);
        return -1;
    }
    return 0;
}
