/* MAP_ANONYMOUS is not in POSIX.1-2008 (it is in POSIX.1-2024). */
#define _DEFAULT_SOURCE 1

#include "shared.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/mman.h>

struct shared {
    sem_t lock;
    int64_t messages;
    int64_t next_slot;
    int64_t next_rcpt;
    atomic_int stop;
};

struct shared *shared_create(int64_t messages)
{
    struct shared *sh = mmap(0, sizeof(*sh), PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return 0;
    if (sem_init(&sh->lock, 1, 1) < 0) {
        int e = errno;
        munmap(sh, sizeof(*sh));
        errno = e;
        return 0;
    }
    sh->messages = messages;
    sh->next_slot = 0;
    sh->next_rcpt = 1;
    atomic_init(&sh->stop, 0);
    return sh;
}

void shared_destroy(struct shared *sh)
{
    sem_destroy(&sh->lock);
    munmap(sh, sizeof(*sh));
}

static void lock(struct shared *sh)
{
    while (sem_wait(&sh->lock) < 0 && errno == EINTR)
        ;
}

static void unlock(struct shared *sh)
{
    sem_post(&sh->lock);
}

int shared_claim_slot(struct shared *sh, int64_t *slot)
{
    int got = 0;

    if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
        return 0;
    lock(sh);
    if (sh->next_slot < sh->messages && !atomic_load(&sh->stop)) {
        *slot = sh->next_slot++;
        got = 1;
    }
    unlock(sh);
    return got;
}

int64_t shared_claim_rcpts(struct shared *sh, int64_t n)
{
    lock(sh);
    int64_t first = sh->next_rcpt;
    sh->next_rcpt += n;
    unlock(sh);
    return first;
}

void shared_stop(struct shared *sh)
{
    atomic_store(&sh->stop, 1);
}

int shared_stopping(struct shared *sh)
{
    return atomic_load(&sh->stop);
}

int64_t shared_claimed(struct shared *sh)
{
    lock(sh);
    int64_t n = sh->next_slot;
    unlock(sh);
    return n;
}
