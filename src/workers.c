/* Linux: F_SETPIPE_SZ, to give the record pipe room for bursts. */
#ifdef __linux__
#define _GNU_SOURCE 1
#endif

#include "workers.h"

#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

_Static_assert(sizeof(struct record) + REC_TEXT_MAX <= PIPE_BUF,
               "a record must fit one atomic pipe write");

/* How long the parent waits after a read before the next one. The pipe
 * holds far more than a few milliseconds of records at any rate seen. */
#define BATCH_WAIT_NS 2000000L
#define PIPE_BYTES (1 << 20)

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
    int e = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t n = write(sig_pipe[1], &b, 1);
    (void)n;
    errno = e;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &sa, 0);
}

static void child_setup(pid_t parent, const sigset_t *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    /* SIGINT stops the run through the parent, which lets in-flight
     * messages finish; a worker must not die of the terminal's ^C. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGINT, &sa, 0);
    sigaction(SIGPIPE, &sa, 0);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGHUP, &sa, 0);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    /* The parent may have died before prctl took effect. */
    if (getppid() != parent)
        _exit(1);
    sigprocmask(SIG_SETMASK, old, 0);
}

static void kill_all(pid_t *pids, unsigned n, int *killed)
{
    if (*killed)
        return;
    *killed = 1;
    for (unsigned i = 0; i < n; i++)
        if (pids[i] > 0)
            kill(pids[i], SIGTERM);
}

/* Splits the byte stream into records and hands each to on_record. */
static size_t dispatch(char *buf, size_t len, record_fn on_record, void *ctx, int *stop)
{
    size_t pos = 0;
    struct record r;
    char text[REC_TEXT_MAX + 1];

    while (len - pos >= sizeof(r)) {
        memcpy(&r, buf + pos, sizeof(r));
        size_t tl = r.text_len <= REC_TEXT_MAX ? r.text_len : REC_TEXT_MAX;
        if (len - pos < sizeof(r) + tl)
            break;
        memcpy(text, buf + pos + sizeof(r), tl);
        text[tl] = 0;
        r.text_len = (uint16_t)tl;
        if (on_record(ctx, &r, text))
            *stop = 1;
        pos += sizeof(r) + r.text_len;
    }
    memmove(buf, buf + pos, len - pos);
    return len - pos;
}

static void reap(pid_t *pids, unsigned n, int killed, struct workers_result *res)
{
    for (unsigned i = 0; i < n; i++) {
        int status;
        if (pids[i] <= 0)
            continue;
        while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
            ;
        if (WIFSIGNALED(status) && !(killed && WTERMSIG(status) == SIGTERM)) {
            res->crashed++;
            diag_warn("worker %u (pid %ld) killed by signal %d", i, (long)pids[i],
                      WTERMSIG(status));
        }
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void parent_loop(int rfd, pid_t *pids, unsigned n, struct shared *sh,
                        const struct workers_hooks *hk, struct workers_result *res)
{
    static char buf[65536 + PIPE_BUF];
    size_t len = 0;
    int killed = 0, open = 1;
    long long next_tick = now_ms() + hk->tick_ms;

    while (open) {
        struct pollfd pf[2] = { { rfd, POLLIN, 0 }, { sig_pipe[0], POLLIN, 0 } };
        int wait = -1;
        if (hk->on_tick) {
            long long now = now_ms();
            if (now >= next_tick) {
                hk->on_tick(hk->ctx);
                next_tick = now + hk->tick_ms;
            }
            wait = (int)(next_tick - now);
        }
        if (poll(pf, 2, wait) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[1].revents & POLLIN) {
            unsigned char sig;
            if (read(sig_pipe[0], &sig, 1) == 1) {
                /* The first SIGINT drains: no new message starts, those in
                 * flight finish. A second one, or SIGTERM/SIGHUP, kills. */
                if (sig != SIGINT || res->signal == SIGINT)
                    kill_all(pids, n, &killed);
                if (res->signal == 0)
                    res->signal = sig;
                shared_stop(sh);
            }
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t got = read(rfd, buf + len, sizeof(buf) - len);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                open = 0;
                break;
            }
            int stop = 0;
            len = dispatch(buf, len + (size_t)got, hk->on_record, hk->ctx, &stop);
            if (stop && !res->stopped) {
                res->stopped = 1;
                shared_stop(sh);
                kill_all(pids, n, &killed);
            }
            /* Let records pile up for a moment: one wake-up then serves
             * many of them, and a busy run spends its CPU on messages. */
            if (!killed && (size_t)got < sizeof(buf) / 2)
                nanosleep(&(struct timespec){ 0, BATCH_WAIT_NS }, 0);
        }
    }
    reap(pids, n, killed, res);
}

int workers_run(unsigned n, struct shared *sh, worker_fn body, void *arg,
                const struct workers_hooks *hooks, struct workers_result *res)
{
    int fds[2];
    sigset_t block, old;
    pid_t self = getpid();

    memset(res, 0, sizeof(*res));
    pid_t *pids = calloc(n, sizeof(*pids));
    if (pids == 0)
        return -1;
    if (pipe(fds) < 0 || pipe(sig_pipe) < 0) {
        free(pids);
        return -1;
    }
    fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
#ifdef F_SETPIPE_SZ
    fcntl(fds[1], F_SETPIPE_SZ, PIPE_BYTES);
#endif
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(sig_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(sig_pipe[1], F_SETFD, FD_CLOEXEC);
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, 0);

    /* Signals wait until every worker has its own dispositions. */
    sigemptyset(&block);
    for (size_t i = 0; i < NSTOP; i++)
        sigaddset(&block, stop_signals[i]);
    sigprocmask(SIG_BLOCK, &block, &old);
    catch_signals();

    int fork_errno = 0;
    for (unsigned i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            fork_errno = errno;
            break;
        }
        if (pid == 0) {
            close(fds[0]);
            child_setup(self, &old);
            body(arg, i, fds[1]);
            _exit(0);
        }
        pids[i] = pid;
    }
    close(fds[1]);
    if (fork_errno) {
        int killed = 0;
        shared_stop(sh);
        kill_all(pids, n, &killed);
    }
    sigprocmask(SIG_SETMASK, &old, 0);

    parent_loop(fds[0], pids, n, sh, hooks, res);
    close(fds[0]);
    free(pids);
    if (fork_errno) {
        errno = fork_errno;
        return -1;
    }
    return 0;
}
