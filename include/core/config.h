/* config: the run's settings, built once by the command line (cli/options)
 * and then only read: the one thing every part of the program may see.
 * Also what follows from them alone: the slots and the worker processes. */
#ifndef CONFIG_H
#define CONFIG_H

#include "core/shard.h"
#include "core/units.h"

#include <stdbool.h>
#include <stdint.h>

struct workload;   /* workload/workload.h */

/* --stages, a load that changes over time, as data: stage i ramps
 * the offered rate linearly from the rate at its start (the target of the
 * stage before it, 0 for the first) to its own target over its length
 * (k6's ramping-arrival-rate). Parsed by verdict/stages.h; the due times
 * it gives the slots are run/schedule.h's. Each stage keeps a row of the report: STAGES_MAX
 * bounds their memory. */
#define STAGES_MAX 32

struct stage {
    int64_t len_ns;      /* 0: a step to `to` at once */
    struct rate to;      /* the target, messages per second; num 0: 0/s */
};

struct stages {
    unsigned n;
    struct stage v[STAGES_MAX];
};

/* --fail-if expressions a run may have. */
#define THRESHOLDS_MAX 32

/* cfg->messages of a run that --duration alone bounds. */
#define MESSAGES_UNBOUNDED INT64_MAX

struct config {
    int family;              /* -4 / -6: AF_INET, AF_INET6, or AF_UNSPEC */
    bool allow_reject;       /* -A */
    bool counter;            /* -c */
    int connect_attempts;    /* -C */
    bool reuse;              /* -d */
    const char *sender;      /* -f, or NULL for foo@myhostname */
    const char *file;        /* -F */
    long msg_length;         /* -l, 0 if not given */
    bool lmtp;               /* -L */
    int64_t messages;        /* -m; with --duration, see options.c */
    bool messages_given;     /* -m was on the command line */
    bool rcpts_given;        /* -r was on the command line */
    const char *myhostname;  /* -M, or NULL for gethostname() */
    bool number_rcpts;       /* -N */
    bool old_mode;           /* -o */
    int rcpts;               /* -r */
    int random_delay;        /* -R, seconds */
    int sessions;            /* -s */
    const char *subject;     /* -S */
    const char *recipient;   /* -t, or NULL for foo@myhostname */
    int tcp_window;          /* -T, 0 if not given */
    int verbose;             /* -v, repeatable */
    int fixed_delay;         /* -w, seconds */
    int timeout;             /* --timeout, seconds */
    bool quiet;              /* --quiet */
    const char *json;        /* --json[=FILE]: NULL off, "-" stdout */
    int progress;            /* --progress 1, --no-progress 0, default -1 (auto) */
    const char *records;     /* --records=FILE */
    bool ehlo;               /* --ehlo (also implied by the ESMTP options) */
    bool pipelining;         /* --pipelining */
    bool starttls, smtps;    /* --starttls, --smtps */
    bool tls_verify, tls_resume;
    const char *tls_ca;      /* --tls-ca, or NULL */
    const char *tls_servername;
    const char *auth_user;   /* --auth-user, or NULL: no AUTH */
    const char *auth_password;       /* --auth-password */
    const char *auth_password_file;  /* --auth-password-file */
    int auth_mech;           /* enum auth_mech (auth.h); 0: the server's first */
    bool auth_allow_plaintext;
    bool bdat;               /* --bdat */
    long bdat_size;          /* --bdat-size, 0: the whole message at once */
    bool smtputf8, eightbitmime;
    bool rate_on;            /* --rate: the open-loop schedule */
    struct rate rate;        /* --stages: their mean rate */
    bool stages_on;          /* --stages: the rate ramps (implies rate_on) */
    struct stages stages;
    int64_t duration_ns;     /* --duration, 0 if not given */
    int64_t interval_ns;     /* --interval, 0 if not given */
    const char *plot;        /* --plot=FILE, or NULL */
    struct shard shard;      /* --shard=I/N; 0/1 without it */
    bool sharded;            /* --shard was given */
    bool start_at_on;        /* --start-at */
    int64_t start_at_ns;     /* ... its instant, ns since the epoch */
    const char *metrics;     /* --metrics, as ADDR:PORT; NULL: no server */
    int64_t metrics_linger_ns;   /* --metrics-linger (default 5 s) */
    const char *target;      /* the operand */
    const char *fail_if[THRESHOLDS_MAX];   /* --fail-if, as written */
    int fail_if_n;
    bool find_rate_on;       /* --find-rate=FROM-TO: the capacity search */
    double find_from, find_to;   /* messages a second */
    int64_t step_ns;         /* --step, 10 s by default */
    bool merge;              /* --merge: the operands are reports, not a target */
    char *const *merge_files;
    int merge_n;
    const struct workload *wl;   /* --seed, --size, ...: NULL without any */
};

/* The slots this run sends: -m (or those --duration allows), or a shard's
 * part of them; MESSAGES_UNBOUNDED when --duration alone bounds the run. */
int64_t config_slots(const struct config *cfg);
/* The worker processes: -s, but no more than the slots (the others would
 * never connect), and at least one (a shard without slots still reports). */
unsigned config_workers(const struct config *cfg);

#endif
