/* search: --find-rate=FROM-TO, the capacity search as a sequence of
 * --rate runs: steps at rising geometric rates from FROM (doubling, the
 * last one TO) until one fails the thresholds, then bisection between the
 * last passing and the first failing rate until they are within 5%. The
 * result is the highest rate that met every threshold. Pure: the runs are
 * the caller's (main), this decides their rates and keeps their rows. */
#ifndef SEARCH_H
#define SEARCH_H

#include "core/json.h"
#include "report/stats.h"

#include <stdio.h>

#define SEARCH_STEPS_MAX 40
/* The objective when no --fail-if is given. */
#define SEARCH_DEFAULT_THRESHOLDS "failed>1%", "p99(corrected)>1s"
/* Bisection stops when the failing rate is within this of the passing one. */
#define SEARCH_PRECISION 0.05

/* The outcomes, and the exit statuses they give (see EXIT STATUS). */
enum search_outcome { SEARCH_RUNNING, SEARCH_FOUND, SEARCH_PASSED_AT_TO, SEARCH_FAILED_AT_FROM,
                      SEARCH_INTERRUPTED };
#define SEARCH_EXIT_FOUND 0
#define SEARCH_EXIT_PASSED_AT_TO 4
#define SEARCH_EXIT_FAILED_AT_FROM 2

struct search_step {
    double offered, achieved;        /* per second */
    uint64_t corrected_p50, corrected_p99;   /* us; 0 if none sent */
    int64_t sent, failed;
    unsigned sessions_needed;        /* Little's law on the step's service time */
    int passed;
    int short_of_sessions;           /* achieved fell short and -s was the cause */
    /* The step's own part of the report (a workload's: the caller's, kept
     * while the search is), written with its row; NULL for none. */
    const struct report_addendum *part;
};

struct search {
    double from, to;
    double pass, fail;               /* the highest passing, lowest failing rate (0: none) */
    int bisecting;
    enum search_outcome outcome;
    /* SEARCH_INTERRUPTED: the stop signal, and the step it stopped (its
     * number and rate); during is 0 if it came in the pause before it. */
    int signal, during;
    unsigned stopped_step;
    double stopped_rate;
    struct search_step step[SEARCH_STEPS_MAX];
    unsigned n;
};

/* "10-400" (rates as --rate takes them, FROM < TO): 0, or -1 with why. */
int search_parse(const char *text, double *from, double *to, char *why, size_t len);

void search_init(struct search *s, double from, double to);
/* The next step's rate (1), or 0 when the search is over (s->outcome). */
int search_next(struct search *s, double *rate);
/* The step at `rate` ran: its numbers and its verdict. */
void search_record(struct search *s, double rate, const struct stats *st, int passed,
                   unsigned sessions);

/* A stop signal ended the search in (during) or before the step at rate:
 * that step is not judged, the table holds the steps before it. */
void search_interrupt(struct search *s, int signal, double rate, int during);

/* The found rate (the highest that passed; 0 if none) and the exit status. */
double search_rate(const struct search *s);
int search_exit_status(const struct search *s);
const char *search_outcome_name(const struct search *s);

/* The step table and the result, as text and as the JSON "search" object
 * (an interrupted search: the table so far and the line that says where it
 * stopped, "interrupted": {"signal", "step", "offered_per_s", "during"});
 * a step's part after the table ("  step N, R/s offered:" and its lines),
 * and in the JSON inside its step's object. */
void search_text(const struct search *s, FILE *out);
void search_json(const struct search *s, struct json *j);

#endif
