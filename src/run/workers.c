/* Linux: F_SETPIPE_SZ, to give the record pipe room for bursts. */
#ifdef __linux__
#define _GNU_SOURCE 1
#endif

#include "run/workers.h"

#include "core/diag.h"
#include "run/schedule.h"

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
    /* A worker's death wakes the loop, which reaps it at once: one that
     * died holding the slot lock must not keep the others waiting. */
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, 0);
}

/* The parent's own descriptors (see workers_hooks) are not the worker's. */
static void close_parent_fds(const struct workers_hooks *hk)
{
    struct pollfd pf[WORKERS_POLL_MAX];
    unsigned n = hk->poll_fds ? hk->poll_fds(hk->poll_ctx, pf, WORKERS_POLL_MAX) : 0;
    for (unsigned i = 0; i < n; i++)
        close(pf[i].fd);
}

static void child_setup(pid_t parent, const sigset_t *old, const struct workers_hooks *hk)
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
    sigaction(SIGCHLD, &sa, 0);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    close_parent_fds(hk);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    /* The parent may have died before prctl took effect. */
    if (getppid() != parent)
        _exit(1);
    sigprocmask(SIG_SETMASK, old, 0);
}

/* The parent's view of its workers while the run goes on. */
struct crew {
    const struct workers_hooks *hk;
    pid_t *pids;             /* 0 once reaped */
    unsigned n;
    struct shared *sh;
    int killed;              /* we sent SIGTERM to every worker */
    int open;                /* the gate is open: t0 is set */
    unsigned stop_mask;      /* bit s: the parent received stop signal s */
    long long grace_end;     /* a record's stop: when the last workers are killed (ms) */
    struct workers_result *res;
};

static void kill_all(struct crew *c)
{
    if (c->killed)
        return;
    c->killed = 1;
    for (unsigned i = 0; i < c->n; i++)
        if (c->pids[i] > 0)
            kill(c->pids[i], SIGTERM);
}

/* A worker that died of a signal is a crash unless the run was told to
 * stop by that very signal (a hang-up or kill sent to the whole process
 * group reaches the workers too) or the parent sent it. */
static void judge(struct crew *c, unsigned i, pid_t pid, int status)
{
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        int expected = (c->killed && sig == SIGTERM)
                    || (sig < 32 && (c->stop_mask & (1u << sig)));
        if (!expected) {
            c->res->crashed++;
            diag_warn("worker %u (pid %ld) killed by signal %d", i, (long)pid, sig);
        }
    }
    int held = shared_worker_died(c->sh, i);
    if (held == 1)
        diag_warn("worker %u (pid %ld) died holding the slot lock; the lock was taken back",
                  i, (long)pid);
}

static void reap_one(struct crew *c, unsigned i, int options)
{
    int status;
    pid_t got;
    while ((got = waitpid(c->pids[i], &status, options)) < 0 && errno == EINTR)
        ;
    if (got != c->pids[i])
        return;
    c->pids[i] = 0;
    judge(c, i, got, status);
}

static void reap(struct crew *c, int options)
{
    for (unsigned i = 0; i < c->n; i++)
        if (c->pids[i] > 0)
            reap_one(c, i, options);
}

/* Reads every signal noted so far. The first SIGINT drains: no new
 * message starts, those in flight finish. A second one, or SIGTERM or
 * SIGHUP, kills. SIGCHLD reaps. */
static void take_signals(struct crew *c)
{
    unsigned char sig[64];
    ssize_t got;
    int chld = 0;

    while ((got = read(sig_pipe[0], sig, sizeof(sig))) > 0) {
        for (ssize_t k = 0; k < got; k++) {
            if (sig[k] == SIGCHLD) {
                chld = 1;
                continue;
            }
            if (sig[k] != SIGINT || c->res->signal == SIGINT)
                kill_all(c);
            else if (c->res->signal == 0 && c->hk->on_drain)
                c->hk->on_drain(c->hk->ctx);
            if (c->res->signal == 0)
                c->res->signal = sig[k];
            c->stop_mask |= 1u << sig[k];
            shared_stop(c->sh);
        }
    }
    if (chld)
        reap(c, WNOHANG);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what the pipe holds (blocking only if it is empty) and hands out
 * its records. 0 at the end of the pipe or on an error, else 1. */
static int take_records(int rfd, struct crew *c, const struct workers_hooks *hk,
                        char *buf, size_t cap, size_t *len, size_t *got_out)
{
    ssize_t got = read(rfd, buf + *len, cap - *len);
    if (got < 0 && errno == EINTR)
        return 1;
    if (got <= 0)
        return 0;
    int stop = 0;
    *len = record_split(buf, *len + (size_t)got, hk->on_record, hk->ctx, &stop);
    if (stop && !c->res->stopped) {
        /* Not a kill: a worker whose message's dot went out waits for the
         * reply and reports it; the rest start nothing new. */
        c->res->stopped = 1;
        shared_stop(c->sh);
        c->grace_end = now_ms() + hk->stop_grace_ms;
    }
    *got_out = (size_t)got;
    return 1;
}

/* Takes every record already in the pipe. 0 if it could not be emptied
 * within a bound (workers writing as fast as it is read). */
static int drain(int rfd, struct crew *c, const struct workers_hooks *hk,
                 char *buf, size_t cap, size_t *len)
{
    for (int i = 0; i < 256; i++) {
        struct pollfd pf = { rfd, POLLIN, 0 };
        size_t got = 0;
        if (poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN))
            return 1;
        if (!take_records(rfd, c, hk, buf, cap, len, &got))
            return 1;
    }
    return 0;
}

/* Every record completed before this time (us since t0), per
 * shared_watermark, has been handed out once the pipe is drained. */
static int64_t watermark(struct crew *c)
{
    return shared_watermark(c->sh, (schedule_now_ns() - shared_t0(c->sh)) / 1000);
}

/* The poll's last few milliseconds before --start-at are slept on the
 * real-time clock itself (see shared_start). */
#define GATE_SLEEP_NS 2000000LL

/* Opens the workers' gate when it is time (or the run is stopping);
 * else returns how many ms the loop may wait before it looks again. */
static int gate(struct crew *c, const struct workers_hooks *hk, int wait_ms)
{
    if (c->open)
        return wait_ms;
    int64_t until = shared_until_start(c->sh);
    if (until > GATE_SLEEP_NS && !shared_stopping(c->sh)) {
        int64_t ms = (until - GATE_SLEEP_NS) / 1000000;
        return ms < wait_ms ? (int)ms : wait_ms;
    }
    shared_start(c->sh);
    c->open = 1;
    if (hk->on_start)
        hk->on_start(hk->ctx, c->sh);
    return wait_ms;
}

static void parent_loop(int rfd, struct crew *c, const struct workers_hooks *hk)
{
    static char buf[65536 + PIPE_BUF];
    size_t len = 0;
    long long next_tick = now_ms() + hk->tick_ms;

    for (;;) {
        struct pollfd pf[2 + WORKERS_POLL_MAX] = { { rfd, POLLIN, 0 }, { sig_pipe[0], POLLIN, 0 } };
        long long now = now_ms();
        if (now >= next_tick) {
            if (hk->on_tick) {
                int64_t wm = c->open ? watermark(c) : -1;
                if (!drain(rfd, c, hk, buf, sizeof(buf), &len))
                    wm = -1;
                hk->on_tick(hk->ctx, wm);
            }
            if (shared_recover(c->sh) == 1)
                diag_warn("a worker died holding the slot lock; the lock was taken back");
            next_tick = now + hk->tick_ms;
        }
        if (c->res->stopped && !c->killed && now >= c->grace_end) {
            c->res->cut = 1;
            kill_all(c);
        }
        int wait_ms = gate(c, hk, (int)(next_tick - now));
        unsigned own = hk->poll_fds ? hk->poll_fds(hk->poll_ctx, pf + 2, WORKERS_POLL_MAX) : 0;
        if (poll(pf, 2 + own, wait_ms) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (own)
            hk->on_poll(hk->poll_ctx, pf + 2, own);
        if (pf[1].revents & POLLIN)
            take_signals(c);
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            size_t got = 0;
            if (!take_records(rfd, c, hk, buf, sizeof(buf), &len, &got))
                break;
            /* Let records pile up for a moment: one wake-up then serves
             * many of them, and a busy run spends its CPU on messages. */
            if (!c->killed && got > 0 && got < sizeof(buf) / 2)
                nanosleep(&(struct timespec){ 0, BATCH_WAIT_NS }, 0);
        }
    }
    /* Every worker has closed the pipe. A signal that reached the whole
     * process group may still sit unread: read it before judging deaths. */
    take_signals(c);
    reap(c, 0);
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
    /* The last run's signal pipe serves this one (--find-rate runs
     * several): a stop signal that came between them, its handler still
     * in place, waits in it and stops this run at once. */
    if (sig_pipe[0] < 0 && pipe(sig_pipe) < 0) {
        free(pids);
        return -1;
    }
    if (pipe(fds) < 0) {
        free(pids);
        return -1;
    }
    fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
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
    sigaddset(&block, SIGCHLD);
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
            child_setup(self, &old, hooks);
            body(arg, i, fds[1]);
            _exit(0);
        }
        pids[i] = pid;
    }
    close(fds[1]);
    struct crew crew = { hooks, pids, n, sh, 0, 0, 0, 0, res };
    if (fork_errno) {
        shared_stop(sh);
        kill_all(&crew);
    }
    sigprocmask(SIG_SETMASK, &old, 0);

    parent_loop(fds[0], &crew, hooks);
    close(fds[0]);
    free(pids);
    if (fork_errno) {
        errno = fork_errno;
        return -1;
    }
    return 0;
}

int workers_pause(const struct workers_hooks *hk, int64_t ns, int *signal)
{
    *signal = 0;
    int64_t end = schedule_now_ns() + ns;
    for (int64_t now; (now = schedule_now_ns()) < end;) {
        struct pollfd pf[1 + WORKERS_POLL_MAX] = { { sig_pipe[0], POLLIN, 0 } };
        unsigned own = hk && hk->poll_fds ? hk->poll_fds(hk->poll_ctx, pf + 1, WORKERS_POLL_MAX)
                                          : 0;
        /* Waits of at most a second: the hooks' idle connections time out. */
        int64_t wait = (end - now + 999999) / 1000000;
        if (poll(pf, 1 + own, (int)(wait < 1000 ? wait : 1000)) < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        if (own)
            hk->on_poll(hk->poll_ctx, pf + 1, own);
        unsigned char b;
        if (pf[0].revents & POLLIN)
            while (read(sig_pipe[0], &b, 1) == 1)
                if (b != SIGCHLD) {
                    *signal = b;
                    return -1;
                }
    }
    return 0;
}
