/* shared: the one region the parent maps before fork and every worker
 * sees: the slot counter, the -N counter, the stop flag and the run's
 * clock, under one process-shared semaphore whose holder is recorded.
 * MAP_ANONYMOUS is not in POSIX.1-2008 (it is in POSIX.1-2024). */
#define _DEFAULT_SOURCE 1

#include "run/shared.h"

#include "run/schedule.h"
#include "core/startat.h"

#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* How long an undecided death must leave the lock untouched before the
 * parent concludes that the dead worker held it. A live worker passes
 * the two-instruction window in question in nanoseconds. */
#define SETTLE_MS 1000

struct shared {
    sem_t lock;
    int64_t messages;            /* slots to hand out: j < messages */
    struct shard shard;          /* claim j is the run's slot j*N + I */
    _Atomic int64_t next_slot;   /* written under the lock; read by the parent */
    int64_t next_rcpt;
    atomic_int stop;
    _Atomic int64_t stop_ns;     /* the first stop's time (CLOCK_MONOTONIC), 0 none */
    atomic_uint holder;          /* worker index + 1 in the critical section, 0 none */
    atomic_uint generation;      /* acquisitions so far: proof that the lock moves */
    /* The parent's own: a death it could not yet attribute. */
    int undecided;
    unsigned undecided_gen;
    long long undecided_since_ms;
    unsigned workers;
    size_t size;
    int64_t t0_ns;               /* the run's start (CLOCK_MONOTONIC) */
    int64_t duration_ns;         /* --duration, 0: none */
    int64_t deadline_ns;         /* t0 + duration: no slot is claimed from then on; 0 none */
    int gated;                   /* t0 is set, and the gate opened, once every worker exists */
    int opened;                  /* the parent opened the gate */
    int start_at_on;             /* --start-at */
    int start_at_ahead;          /* ... still ahead when the run began: t0 is that instant */
    int64_t start_at_ns;         /* ns since the epoch */
    int64_t t0_unix_us;          /* t0 on the real-time clock */
    int64_t start_lag_us;        /* the gate opened this long after --start-at */
    sem_t gate;
    struct {
        /* want: worker i is between "about to wait" and "released". */
        atomic_uchar want;
        /* pending: the worker's record not yet written: 0 none, 1 its
         * time being taken, else its completion (us since t0) + 2. */
        _Atomic int64_t pending;
    } w[];
};

struct shared *shared_create(int64_t messages, const struct shard *shard, unsigned workers)
{
    size_t size = sizeof(struct shared) + workers * sizeof(((struct shared *)0)->w[0]);
    struct shared *sh = mmap(0, size, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return 0;
    if (sem_init(&sh->lock, 1, 1) < 0 || sem_init(&sh->gate, 1, 0) < 0) {
        int e = errno;
        munmap(sh, size);
        errno = e;
        return 0;
    }
    sh->messages = messages;
    sh->shard = *shard;
    atomic_init(&sh->next_slot, 0);
    sh->next_rcpt = 1;
    atomic_init(&sh->stop, 0);
    atomic_init(&sh->stop_ns, 0);
    atomic_init(&sh->holder, 0);
    atomic_init(&sh->generation, 0);
    sh->undecided = 0;
    sh->workers = workers;
    sh->size = size;
    sh->t0_ns = 0;
    sh->duration_ns = 0;
    sh->deadline_ns = 0;
    sh->gated = 0;
    sh->opened = 0;
    sh->start_at_on = 0;
    sh->start_lag_us = 0;
    for (unsigned i = 0; i < workers; i++) {
        atomic_init(&sh->w[i].want, 0);
        atomic_init(&sh->w[i].pending, 0);
    }
    return sh;
}

void shared_destroy(struct shared *sh)
{
    sem_destroy(&sh->lock);
    sem_destroy(&sh->gate);
    munmap(sh, sh->size);
}

#ifdef SMTP_SOURCE_TEST_HOOKS
/* SMTP_SOURCE_TEST_DIE_IN_LOCK=WHERE:WORKER:N makes worker WORKER kill
 * itself at its N-th acquisition of the lock, WHERE being "window" (the
 * semaphore taken, the holder not yet recorded) or "held" (recorded):
 * the deaths the parent must survive, made deterministic for the tests. */
static void die_hook(const char *where, unsigned who)
{
    static unsigned long acquired;
    static pid_t counting;
    if (counting != getpid()) {      /* a process's own acquisitions */
        counting = getpid();
        acquired = 0;
    }
    if (where[0] == 'w')
        acquired++;
    const char *v = getenv("SMTP_SOURCE_TEST_DIE_IN_LOCK");
    size_t wl = strlen(where);
    if (v == 0 || strncmp(v, where, wl) != 0 || v[wl] != ':')
        return;
    char *end;
    unsigned long w = strtoul(v + wl + 1, &end, 10);
    if (*end != ':' || w != who)
        return;
    unsigned long n = strtoul(end + 1, 0, 10);
    if (acquired == n)
        raise(SIGKILL);
}
#define HOOK(where, who) die_hook(where, who)
#else
#define HOOK(where, who) ((void)0)
#endif

static void lock(struct shared *sh, unsigned who)
{
    atomic_store(&sh->w[who].want, 1);
    while (sem_wait(&sh->lock) < 0 && errno == EINTR)
        ;
    HOOK("window", who);
    atomic_store(&sh->holder, who + 1);
    atomic_fetch_add(&sh->generation, 1);
    HOOK("held", who);
}

static void unlock(struct shared *sh, unsigned who)
{
    atomic_store(&sh->holder, 0);
    sem_post(&sh->lock);
    atomic_store(&sh->w[who].want, 0);
}

int shared_claim_slot(struct shared *sh, unsigned who, int64_t *slot)
{
    int got = 0;

    if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
        return 0;
    if (shared_expired(sh))
        return 0;
    lock(sh, who);
    int64_t next = atomic_load_explicit(&sh->next_slot, memory_order_relaxed);
    if (next < sh->messages && !atomic_load(&sh->stop)) {
        *slot = shard_slot(&sh->shard, next);
        atomic_store(&sh->next_slot, next + 1);
        got = 1;
    }
    unlock(sh, who);
    return got;
}

int64_t shared_claim_rcpts(struct shared *sh, unsigned who, int64_t n)
{
    lock(sh, who);
    int64_t first = sh->next_rcpt;
    sh->next_rcpt += n;
    unlock(sh, who);
    return first;
}

void shared_stop(struct shared *sh)
{
    /* The time before the flag: a slot that saw no flag may have started
     * after it (the report counts such a slot as offered), but a slot
     * given up for the flag was given up after it. */
    int64_t none = 0, now = schedule_now_ns();
    atomic_compare_exchange_strong(&sh->stop_ns, &none, now > 0 ? now : 1);
    atomic_store(&sh->stop, 1);
}

int64_t shared_stopped_ns(const struct shared *sh)
{
    return atomic_load(&((struct shared *)sh)->stop_ns);
}

int shared_stopping(struct shared *sh)
{
    return atomic_load(&sh->stop);
}

int64_t shared_claimed(const struct shared *sh)
{
    return atomic_load(&sh->next_slot);
}

/* t0 is now, or with --start-at its instant; the two clocks read
 * together map the one onto the other. */
static void set_t0(struct shared *sh)
{
    int64_t mono = schedule_now_ns(), real = startat_now_ns();
    int64_t t0 = mono, t0_real = real;
    if (sh->start_at_on) {
        /* Stopped before the instant: not late. */
        sh->start_lag_us = real > sh->start_at_ns ? (real - sh->start_at_ns) / 1000 : 0;
        if (sh->start_at_ahead && real >= sh->start_at_ns) {
            t0 = mono - (real - sh->start_at_ns);
            t0_real = sh->start_at_ns;
        }
    }
    sh->t0_ns = t0;
    sh->t0_unix_us = t0_real / 1000;
    sh->deadline_ns = sh->duration_ns ? t0 + sh->duration_ns : 0;
}

void shared_clock(struct shared *sh, int gated, int64_t duration_ns, const int64_t *start_at)
{
    sh->gated = gated || start_at;
    sh->duration_ns = duration_ns;
    if (start_at) {
        sh->start_at_on = 1;
        sh->start_at_ns = *start_at;
        sh->start_at_ahead = startat_now_ns() < *start_at;
    }
    if (!sh->gated)
        set_t0(sh);
}

int64_t shared_until_start(const struct shared *sh)
{
    if (!sh->start_at_on || sh->opened || !sh->start_at_ahead)
        return 0;
    int64_t left = sh->start_at_ns - startat_now_ns();
    return left > 0 ? left : 0;
}

void shared_start(struct shared *sh)
{
    if (!sh->gated || sh->opened)
        return;
    /* The last moments of the wait, to the instant: the real-time clock
     * itself, with an absolute deadline. */
    if (shared_until_start(sh) > 0 && !shared_stopping(sh)) {
        struct timespec ts = { (time_t)(sh->start_at_ns / 1000000000),
                               (long)(sh->start_at_ns % 1000000000) };
        schedule_sharpen();
        while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, 0) == EINTR)
            ;
    }
    sh->opened = 1;
    set_t0(sh);
    /* One pass for each worker; sem_post never blocks. */
    for (unsigned i = 0; i < sh->workers; i++)
        sem_post(&sh->gate);
}

void shared_wait_start(struct shared *sh)
{
    if (!sh->gated)
        return;
    while (sem_wait(&sh->gate) < 0 && errno == EINTR)
        ;
}

int shared_expired(const struct shared *sh)
{
    return sh->deadline_ns && schedule_now_ns() >= sh->deadline_ns;
}

int64_t shared_t0(const struct shared *sh)
{
    return sh->t0_ns;
}

int64_t shared_t0_unix_us(const struct shared *sh)
{
    return sh->t0_unix_us;
}

int64_t shared_start_lag_us(const struct shared *sh)
{
    return sh->start_lag_us;
}

void shared_done_begin(struct shared *sh, unsigned who)
{
    atomic_store(&sh->w[who].pending, 1);
}

void shared_done_at(struct shared *sh, unsigned who, int64_t end_us)
{
    atomic_store(&sh->w[who].pending, end_us + 2);
}

void shared_done_sent(struct shared *sh, unsigned who)
{
    atomic_store(&sh->w[who].pending, 0);
}

/* A worker marks itself before it reads the clock for a completion: so a
 * worker seen unmarked here reads its clock after now_us was read, and
 * its next record completes later than now_us. */
int64_t shared_watermark(struct shared *sh, int64_t now_us)
{
    int64_t wm = now_us;
    for (unsigned i = 0; i < sh->workers; i++) {
        int64_t v = atomic_load(&sh->w[i].pending);
        if (v == 1)
            return 0;
        if (v > 1 && v - 2 < wm)
            wm = v - 2;
    }
    return wm;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sem_free(struct shared *sh)
{
    int v = 0;
    return sem_getvalue(&sh->lock, &v) == 0 && v > 0;
}

/* Every update under the lock is one store, so a holder that dies leaves
 * the counters consistent: at worst its claimed slot is never reported,
 * which the parent counts. Only the lock itself needs giving back. */
static void give_back(struct shared *sh)
{
    atomic_store(&sh->holder, 0);
    sem_post(&sh->lock);
}

int shared_worker_died(struct shared *sh, unsigned who)
{
    /* Its unwritten record died with it: nothing to wait for. */
    if (who < sh->workers)
        atomic_store(&sh->w[who].pending, 0);
    if (who >= sh->workers || !atomic_load(&sh->w[who].want))
        return 0;
    atomic_store(&sh->w[who].want, 0);
    unsigned h = atomic_load(&sh->holder);
    if (h == who + 1) {
        give_back(sh);
        return 1;
    }
    /* Free, or held by a worker that recorded itself: not the dead one's. */
    if (h != 0 || sem_free(sh))
        return 0;
    /* Taken, and nobody recorded: the dead worker between sem_wait and
     * its record (or sem_post and its release), or a live one there. */
    sh->undecided = 1;
    sh->undecided_gen = atomic_load(&sh->generation);
    sh->undecided_since_ms = now_ms();
    return -1;
}

int shared_recover(struct shared *sh)
{
    if (!sh->undecided)
        return 0;
    if (atomic_load(&sh->generation) != sh->undecided_gen
        || atomic_load(&sh->holder) != 0 || sem_free(sh)) {
        sh->undecided = 0;       /* the lock moved: a live worker had it */
        return 0;
    }
    if (now_ms() - sh->undecided_since_ms < SETTLE_MS)
        return 0;
    sh->undecided = 0;
    give_back(sh);
    return 1;
}
