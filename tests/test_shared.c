/* The slot counter under contention, from real processes: every slot is
 * handed out exactly once, -N numbers never twice, and a holder that died
 * gives the lock back (see shared.h). */
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS */
#include "check.h"
#include "run/shared.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKERS 6
#define SLOTS 60000

static const struct shard whole = { 0, 1 };

/* Shard 1 of 3 of a 30-slot run: its 10 claims are the run's slots
 * 1, 4, ..., 28, in order, whoever claims first. (Its -N numbers are the
 * slot's own: smtp/sized.c, shard_first_rcpt.) */
static void sharded(void)
{
    struct shard third = { 1, 3 };
    struct shared *sh = shared_create(10, &third, 2);
    CHECK(sh != 0);
    int64_t slot, want = 1;
    int n = 0;
    while (shared_claim_slot(sh, n % 2, &slot)) {
        CHECK(slot == want);
        want += 3;
        n++;
    }
    CHECK(n == 10 && shared_claimed(sh) == 10);
    shared_destroy(sh);
}

int main(void)
{
    sharded();
    struct shared *sh = shared_create(SLOTS, &whole, WORKERS);
    CHECK(sh != 0);
    /* Each slot's claimant (worker + 1), and each -N number's, counted by
     * the children in memory they share with this test. */
    unsigned char *seen = mmap(0, SLOTS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    unsigned char *rcpt = mmap(0, SLOTS * 3 + 1, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(seen != MAP_FAILED && rcpt != MAP_FAILED);
    memset(seen, 0, SLOTS);
    memset(rcpt, 0, SLOTS * 3 + 1);

    for (unsigned w = 0; w < WORKERS; w++) {
        if (fork() == 0) {
            int64_t slot;
            while (shared_claim_slot(sh, w, &slot)) {
                if (slot < 0 || slot >= SLOTS || seen[slot])
                    _exit(2);
                seen[slot] = (unsigned char)(w + 1);
                int64_t first = shared_claim_rcpts(sh, w, 3);
                for (int64_t k = first; k < first + 3; k++) {
                    if (k < 1 || k > SLOTS * 3 || rcpt[k])
                        _exit(3);
                    rcpt[k] = 1;
                }
            }
            _exit(0);
        }
    }
    int clean = 1;
    for (unsigned w = 0; w < WORKERS; w++) {
        int status;
        wait(&status);
        clean &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    CHECK(clean);
    size_t claimed = 0, numbered = 0;
    for (size_t i = 0; i < SLOTS; i++)
        claimed += seen[i] != 0;
    for (size_t i = 1; i <= SLOTS * 3; i++)
        numbered += rcpt[i];
    CHECK(claimed == SLOTS && numbered == SLOTS * 3);
    CHECK(shared_claimed(sh) == SLOTS);
    /* None left: a claim now fails, and so after a stop. */
    int64_t slot;
    CHECK(shared_claim_slot(sh, 0, &slot) == 0);
    shared_destroy(sh);

    /* A worker that ends cleanly held nothing. */
    sh = shared_create(10, &whole, 2);
    pid_t p = fork();
    if (p == 0) {
        int64_t s1;
        shared_claim_slot(sh, 1, &s1);
        _exit(0);
    }
    int status;
    waitpid(p, &status, 0);
    CHECK(shared_worker_died(sh, 1) == 0);
    CHECK(shared_claim_slot(sh, 0, &slot) == 1 && slot == 1);

    /* Killed while it holds the lock (the test hook kills it there): the
     * parent gives the lock back, and the others claim again. */
    p = fork();
    if (p == 0) {
        int64_t s1;
        setenv("SMTP_SOURCE_TEST_DIE_IN_LOCK", "held:1:1", 1);
        shared_claim_slot(sh, 1, &s1);
        _exit(0);
    }
    waitpid(p, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(shared_worker_died(sh, 1) == 1);
    CHECK(shared_worker_died(sh, 1) == 0);

    /* Killed between taking the semaphore and recording itself, right
     * after the lock was given back (no claim in between to record a new
     * holder): undecided at first; once the lock has not moved for a
     * second, taken back. */
    p = fork();
    if (p == 0) {
        int64_t s1;
        setenv("SMTP_SOURCE_TEST_DIE_IN_LOCK", "window:1:1", 1);
        shared_claim_slot(sh, 1, &s1);
        _exit(0);
    }
    waitpid(p, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(shared_worker_died(sh, 1) == -1);
    CHECK(shared_recover(sh) == 0);
    sleep(1);
    int recovered = 0;
    for (int i = 0; i < 50 && !recovered; i++) {
        recovered = shared_recover(sh);
        if (!recovered)
            usleep(20000);
    }
    CHECK(recovered == 1);
    /* The lock given back twice is free, and nobody is recorded as its
     * holder; neither took a slot. */
    CHECK(shared_claim_slot(sh, 0, &slot) == 1 && slot == 2);

    shared_stop(sh);
    CHECK(shared_claim_slot(sh, 0, &slot) == 0 && shared_stopping(sh));
    shared_destroy(sh);

    /* The region holds a mark for each of as many workers as -s allows. */
    sh = shared_create(10, &whole, 10000);
    CHECK(sh != 0);
    shared_done_begin(sh, 9999);
    CHECK(shared_watermark(sh, 500) == 0);
    shared_done_at(sh, 9999, 100);
    CHECK(shared_watermark(sh, 500) == 100);
    /* The earliest of several workers' completions, the first worker's too. */
    shared_done_at(sh, 0, 300);
    CHECK(shared_watermark(sh, 500) == 100);
    shared_done_sent(sh, 9999);
    CHECK(shared_watermark(sh, 500) == 300);
    shared_done_begin(sh, 0);
    CHECK(shared_watermark(sh, 500) == 0);
    shared_done_sent(sh, 0);
    CHECK(shared_watermark(sh, 500) == 500);
    shared_destroy(sh);
    return check_done("shared");
}
