/* client: the content every worker's client shares, made once by the
 * parent before the workers start (they inherit it copy-on-write). */
#include "smtp/client.h"

#include "smtp/message.h"
#include "workload/layout.h"
#include "workload/workload.h"

#include <stdlib.h>

int client_content(struct session_args *sa)
{
    const struct config *cfg = sa->cfg;

    /* --bdat sends it; a workload run counts its size (smtp/sized.h). */
    if (cfg->bdat || cfg->wl) {
        size_t n = 0;
        sa->raw_body = msg_body_unstuffed(sa->body, sa->body_len, &n);
        if (sa->raw_body == 0)
            return -1;
        sa->raw_body_len = n;
    }
    if (cfg->wl && cfg->wl->mime_on) {
        struct mime *m = malloc(sizeof(*m));
        /* UTF-8 text only where the server is told of 8-bit content and
         * the run allows UTF-8 at all (issue 20). */
        if (m == 0 || mime_init(m, cfg->eightbitmime && cfg->smtputf8) < 0) {
            free(m);
            return -1;
        }
        sa->mime = m;
    } else if (cfg->wl && cfg->wl->size_on && (sa->fill = layout_fill()) == 0) {
        return -1;
    }
    return 0;
}

void client_release(struct session_args *sa)
{
    free((char *)sa->raw_body);
    free((char *)sa->fill);
    if (sa->mime) {
        mime_free((struct mime *)sa->mime);
        free((struct mime *)sa->mime);
    }
    sa->raw_body = 0;
    sa->fill = 0;
    sa->mime = 0;
}
