/* corpus: the walk of a Maildir or a directory, the mbox file, the blob. */
#include "workload/corpus.h"

#include "workload/mbox.h"
#include "workload/msgprep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The loader's state: the corpus being filled, its flags, and where an
 * error goes. */
struct loader {
    struct corpus *c;
    unsigned flags;
    size_t item_cap;
    uint64_t blob_cap;
    size_t names_cap;
    char *why;
    size_t whylen;
};

static int fail(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct loader *ld, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->why, ld->whylen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Grows *buf (of *cap bytes) to hold need bytes: doubling, so that a
 * corpus of many small files is not copied once per file. */
static int grow(void **buf, uint64_t *cap, uint64_t need)
{
    if (need <= *cap)
        return 0;
    uint64_t n = *cap ? *cap : 65536;
    while (n < need)
        n *= 2;
    if (n != (size_t)n)
        return -1;
    void *p = realloc(*buf, (size_t)n);
    if (p == 0)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

/* One message (raw, len bytes) named name: prepared into the blob. An
 * empty one is skipped: there is nothing to send. */
static int add(struct loader *ld, const char *raw, size_t len, const char *name, unsigned extra)
{
    struct corpus *c = ld->c;
    if (len == 0)
        return 0;
    if (len > CORPUS_ITEM_MAX)
        return fail(ld, "%s: larger than 512m", name);
    if (c->n >= CORPUS_ITEMS_MAX)
        return fail(ld, "more than 10000000 messages");
    size_t bound = prep_bound(raw, len), nl = strlen(name) + 1;
    uint64_t ncap = ld->names_cap, icap = ld->item_cap * sizeof(*c->item);
    if (grow((void **)&c->blob, &ld->blob_cap, c->blob_len + bound) < 0
        || grow((void **)&c->names, &ncap, c->names_len + nl) < 0
        || grow((void **)&c->item, &icap, (c->n + 1) * sizeof(*c->item)) < 0)
        return fail(ld, "out of memory at %s", name);
    ld->names_cap = (size_t)ncap;
    ld->item_cap = (size_t)(icap / sizeof(*c->item));
    struct prep p;
    prep_message(raw, len, ld->flags | extra, c->blob + c->blob_len, &p);
    if (p.len > CORPUS_ITEM_MAX)
        return fail(ld, "%s: larger than 512m once its lines end in CRLF", name);
    c->item[c->n] = (struct corpus_item){
        .off = c->blob_len, .len = (uint32_t)p.len, .stored = (uint32_t)p.stored,
        .ins = (uint32_t)p.ins, .name = (uint32_t)c->names_len,
    };
    memcpy(c->names + c->names_len, name, nl);
    c->names_len += nl;
    c->blob_len += p.len;
    c->stored_total += p.stored;
    c->long_lines += p.longest > 1000;
    c->eight_bit += p.eight_bit;
    c->n++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the regular, not hidden, files in dir, sorted (so that
 * the order, and with it slot k's item, does not depend on the file
 * system's). */
static int list(struct loader *ld, const char *dir, char ***out, size_t *n)
{
    DIR *d = opendir(dir);
    if (d == 0)
        return fail(ld, "%s: %s", dir, strerror(errno));
    size_t cap = 0;
    char **v = 0;
    *n = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != 0) {
        if (e->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            char **more = realloc(v, cap * sizeof(*v));
            if (more == 0) {
                rc = fail(ld, "%s: out of memory", dir);
                break;
            }
            v = more;
        }
        if ((v[*n] = strdup(e->d_name)) == 0) {
            rc = fail(ld, "%s: out of memory", dir);
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (rc == 0 && *n > 1)
        qsort(v, *n, sizeof(*v), by_name);
    *out = v;
    return rc;
}

/* The whole of a file into *buf (grown as needed); its length. 1 (and
 * nothing read) if it is not a regular file: opened without blocking (a
 * FIFO would wait) and looked at through the descriptor, which spares a
 * stat() of its path per file (100,000 in a large Maildir). */
static int slurp(struct loader *ld, const char *path, char **buf, uint64_t *cap, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        /* A socket, or a device that will not open (ENXIO): not mail
         * either, and no reason to refuse the rest. */
        if (fd < 0 && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
            return 1;
        return fail(ld, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return 1;
    }
    if ((uint64_t)st.st_size > CORPUS_ITEM_MAX) {
        close(fd);
        return fail(ld, "%s: larger than 512m", path);
    }
    *len = 0;
    for (;;) {
        if (grow((void **)buf, cap, *len + 65536) < 0) {
            close(fd);
            return fail(ld, "%s: out of memory", path);
        }
        ssize_t got = read(fd, *buf + *len, (size_t)(*cap - *len));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            close(fd);
            return fail(ld, "%s: %s", path, strerror(e));
        }
        if (got == 0)
            break;
        *len += (size_t)got;
        if (*len > CORPUS_ITEM_MAX) {
            close(fd);
            return fail(ld, "%s: larger than 512m", path);
        }
    }
    close(fd);
    return 0;
}

/* The regular files of root/sub (sub "" for root itself), named sub/NAME. */
/* a, '/' (unless b is empty), b into out; false if too long. */
static bool join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s%s%s", a, *a && *b ? "/" : "", b);
    return n >= 0 && (size_t)n < cap;
}

static int load_dir(struct loader *ld, const char *root, const char *sub)
{
    char dir[PATH_MAX], path[PATH_MAX], name[PATH_MAX];
    if (!join(dir, sizeof(dir), root, sub))
        return fail(ld, "%s: the path is too long", root);
    char **v = 0;
    size_t n = 0;
    int rc = list(ld, dir, &v, &n);
    char *buf = 0;
    uint64_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        if (rc == 0 && (!join(path, sizeof(path), dir, v[i]) || !join(name, sizeof(name), sub, v[i])))
            rc = fail(ld, "%s: the path is too long", dir);
        if (rc == 0 && (rc = slurp(ld, path, &buf, &cap, &len)) == 0)
            rc = add(ld, buf, len, name, 0);
        if (rc > 0)
            rc = 0;             /* not a regular file: not mail */
        free(v[i]);
    }
    free(v);
    free(buf);
    return rc;
}

static bool is_dir(const char *root, const char *sub)
{
    char path[PATH_MAX];
    struct stat st;
    return join(path, sizeof(path), root, sub) && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int load_mbox(struct loader *ld, const char *path, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fail(ld, "%s: %s", path, strerror(errno));
    if (size == 0) {
        close(fd);
        return 0;
    }
    /* Mapped, not read: the file is only read through once. */
    char *data = mmap(0, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (data == MAP_FAILED)
        return fail(ld, "%s: %s", path, strerror(e));
    int rc = 0;
    if (!mbox_is(data, size))
        rc = fail(ld, "%s: not an mbox file (it does not start with a \"From \" line)", path);
    size_t pos = 0, start, end;
    char name[32];
    for (size_t k = 0; rc == 0 && mbox_next(data, size, &pos, &start, &end); k++) {
        snprintf(name, sizeof(name), "mbox:%zu", k);
        rc = add(ld, data + start, end - start, name, PREP_UNQUOTE);
    }
    munmap(data, size);
    return rc;
}

int corpus_load(struct corpus *c, const char *path, bool fresh, bool stuffed, char *why,
                size_t whylen)
{
    memset(c, 0, sizeof(*c));
    c->fresh = fresh;
    c->stuffed = stuffed;
    struct loader ld = {
        .c = c, .why = why, .whylen = whylen,
        .flags = (fresh ? PREP_FRESH : 0u) | (stuffed ? PREP_STUFF : 0u),
    };
    struct stat st;
    int rc;
    if (stat(path, &st) < 0)
        rc = fail(&ld, "%s", strerror(errno));
    else if (S_ISREG(st.st_mode))
        rc = load_mbox(&ld, path, (size_t)st.st_size);
    else if (!S_ISDIR(st.st_mode))
        rc = fail(&ld, "neither a directory nor a file");
    else if (is_dir(path, "cur") || is_dir(path, "new")) {
        /* A Maildir: delivered mail is in cur/ and new/, never tmp/. */
        rc = is_dir(path, "cur") ? load_dir(&ld, path, "cur") : 0;
        if (rc == 0 && is_dir(path, "new"))
            rc = load_dir(&ld, path, "new");
    } else
        rc = load_dir(&ld, path, "");
    if (rc == 0 && c->n == 0)
        rc = fail(&ld, "no messages in it (empty files, names starting with a dot and "
                  "subdirectories are skipped; a Maildir's are in cur/ and new/)");
    if (rc < 0)
        corpus_free(c);
    return rc;
}

void corpus_free(struct corpus *c)
{
    free(c->blob);
    free(c->item);
    free(c->names);
    memset(c, 0, sizeof(*c));
}

const char *corpus_name(const struct corpus *c, size_t i)
{
    return c->names + c->item[i].name;
}
