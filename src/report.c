#include "report.h"

#include "diag.h"

#include <stdio.h>

void report_init(struct report *rp, const struct config *cfg)
{
    rp->cfg = cfg;
    rp->counter = 0;
    rp->fatal = 0;
    stats_init(&rp->stats, cfg->messages);
}

int report_record(void *ctx, const struct record *r, const char *text)
{
    struct report *rp = ctx;

    switch (r->type) {
    case REC_LOG:
        diag_text(0, text, r->text_len);
        return 0;
    case REC_WARNING:
        /* After a fatal error, other workers' late complaints are noise. */
        if (!rp->fatal)
            diag_text("warning", text, r->text_len);
        return 0;
    case REC_MESSAGE:
        break;
    default:
        return 0;
    }
    stats_add(&rp->stats, r);
    if ((r->flags & RF_DOT_SENT) && rp->cfg->counter) {
        printf("%lu\r", ++rp->counter);
        fflush(stdout);
    }
    if (r->flags & RF_FATAL) {
        if (!rp->fatal)
            diag_text("fatal", text, r->text_len);
        rp->fatal = 1;
        return 1;
    }
    return 0;
}
