/* intervals: the run cut into intervals of a fixed length from t0. A
 * message belongs to the interval in which it ended, by the completion
 * time its worker stamped (not by when its record arrived), so the
 * intervals' counts add up exactly to the run's. Per interval: messages
 * sent and failed; under --rate, the slots due in it (up to the offer's
 * end) and, of those, how many started and how many never did (not
 * done); else the messages given up in it; the service and corrected
 * latencies as sparse histograms on hist.h's buckets, so that the
 * intervals of runs sharing t0 can be added bucket by bucket. Pure. */
#ifndef INTERVALS_H
#define INTERVALS_H

#include "core/json.h"
#include "core/record.h"
#include "core/shard.h"
#include "core/config.h"
#include "core/units.h"

#include <stddef.h>
#include <stdint.h>

/* More would cost more memory than the picture is worth; beyond it the
 * records are counted as dropped. */
#define INTERVALS_MAX 100000

/* A histogram holding only its non-empty buckets: cell = index << 40 | count. */
#define SHIST_COUNT_MAX ((UINT64_C(1) << 40) - 1)
struct shist {
    uint64_t count, sum, min, max;
    uint64_t *cell;
    uint32_t n, cap;
};

struct interval {
    int64_t sent, failed, not_done;
    int64_t due, started;      /* --rate: by the slots' due times */
    struct shist service, corrected;
};

struct intervals {
    int64_t len_us;
    int scheduled;             /* --rate: due counts and corrected latencies */
    struct rate rate;
    const struct stages *stages;   /* --stages, or NULL */
    int64_t slots;             /* the whole run's slots, for the due counts */
    struct shard shard;        /* of which this run's are k = j*N + I */
    struct interval *v;
    size_t n, cap;             /* v[0..n) exist */
    size_t closed;             /* v[0..closed) are final (their lines printed) */
    int64_t end_us;            /* the run's end, once finished; -1 before */
    uint64_t dropped;          /* records beyond INTERVALS_MAX intervals */
};

/* rate NULL: not scheduled. */
void intervals_init(struct intervals *iv, int64_t len_ns, const struct rate *rate, int64_t slots);
void intervals_free(struct intervals *iv);
/* --stages: the slots due in each interval are the stages'. */
void intervals_stages(struct intervals *iv, const struct stages *st);
/* A shard's intervals: the slots due in each are the shard's own. */
void intervals_shard(struct intervals *iv, const struct shard *sh);

/* A REC_MESSAGE record. -1 if memory ran out (the record is dropped). */
int intervals_add(struct intervals *iv, const struct record *r);

/* Closes every interval that ends at or before upto_us (us since t0):
 * no record can change it any more. Returns how many are closed now. */
size_t intervals_close(struct intervals *iv, int64_t upto_us);

/* The run ended at end_us: every interval up to it is closed, the last
 * one partial. Returns how many there are. */
size_t intervals_finish(struct intervals *iv, int64_t end_us);

/* --rate: adds to each interval the slots due in it that shard sh owns
 * of the run's run_slots, due before offer_end_us (us since t0); the
 * interval's not done are then its due slots that did not start. -1 if
 * memory ran out. */
int intervals_due(struct intervals *iv, const struct shard *sh, int64_t run_slots,
                  int64_t offer_end_us);

/* --rate: the interval with slots due that achieved the least (messages
 * sent per second of it; the first of equals). 0 if none had slots due. */
int intervals_worst(const struct intervals *iv, size_t *worst);

/* What a line, the JSON and the plot say of interval i. */
struct interval_figures {
    double start_s, len_s;
    int64_t due, started, sent, failed, not_done;
    double offered_per_s, achieved_per_s;
    uint64_t service[3], corrected[3];   /* p50, p99, max in us; 0 if none */
};
void intervals_figures(const struct intervals *iv, size_t i, struct interval_figures *f);

/* "interval 3: 200 messages, 0 failed, 199.8/s, corrected p50 ..." */
void intervals_line(const struct intervals *iv, size_t i, char *buf, size_t len);

/* The "intervals" array and "interval_s" of the JSON report. */
void intervals_json(const struct intervals *iv, struct json *j);

uint64_t shist_quantile(const struct shist *h, double q);

/* Reading a histogram back (see merge.h): appends the cell of bucket
 * `index` (above every cell so far) with its count; count, sum, min and
 * max are the caller's to set. -1 if out of order or out of memory. */
int shist_put(struct shist *h, size_t index, uint64_t count);
void shist_free(struct shist *h);

/* Merging runs that share t0: adds another run's interval (its counts
 * never negative) into interval i (which is made to exist; beyond
 * INTERVALS_MAX, its messages are counted as dropped). 0; -1 if
 * memory ran out; INTERVALS_OVERFLOW if a count or a histogram's sum
 * would not fit its type. */
#define INTERVALS_OVERFLOW (-2)
int intervals_merge(struct intervals *iv, size_t i, const struct interval *from);

#endif
