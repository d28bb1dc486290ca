/* smtp-source: a parallel SMTP/LMTP load generator, a drop-in for
 * Postfix's smtp-source(1). argv -> config -> message, target, names ->
 * workers -> summary -> exit status. See man/smtp-source.1. */
#include "app/findrate.h"
#include "app/parent.h"
#include "cli/options.h"
#include "cli/target.h"
#include "core/diag.h"
#include "core/hostname.h"
#include "merge/merge.h"
#include "report/runid.h"
#include "run/startup.h"
#include "smtp/auth.h"
#include "smtp/client.h"
#include "smtp/message.h"
#include "verdict/verdict.h"
#include "workload/workload.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *own_hostname(const struct config *cfg)
{
    static char name[256];
    char why[128];

    if (cfg->myhostname)
        return cfg->myhostname;
    if (gethostname(name, sizeof(name) - 1) < 0 || !hostname_valid(name, why, sizeof(why)))
        diag_fatal("unable to use my own hostname");
    return name;
}

static int judge(void *ctx, const struct stats *st, struct run_info *ri)
{
    return verdict_judge(ctx, st, ri);
}

/* What main allocated, freed on every way out (a leak checker reads the
 * exit); the secret is wiped first. */
static void release(char *body, struct session_args *sa, char *secret, char *sender,
                    char *recipient)
{
    free(body);
    client_release(sa);
    if (secret) {
        auth_wipe(secret, strlen(secret));
        free(secret);
    }
    free(sender);
    free(recipient);
}

int main(int argc, char **argv)
{
    struct config cfg;
    struct target tgt;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char err[256];

    diag_init(argv[0]);
    options_parse(argc, argv, &cfg);
    static struct verdict verdict;
    verdict_init(&verdict, &cfg, 0);
    if (cfg.merge)
        return merge_run(&cfg, &(struct results_judge){ judge, &verdict });

    /* First: from here on the process holds the secret. */
    char *secret = startup_secret(&cfg);
    size_t body_len;
    char *body = startup_body(&cfg, &body_len);
    static struct run_id id;
    runid_init(&id, &cfg, body, body_len);

    if (target_parse(cfg.target, &tgt, err, sizeof(err)) < 0) {
        if (tgt.kind == TARGET_UNIX)
            diag_fatal("%s", err);
        diag_fatal("%s: %s", tgt.name, err);
    }
    if (target_resolve(&tgt, cfg.family, &addr, &addrlen, err, sizeof(err)) < 0)
        diag_fatal("%s: %s", tgt.name, err);

    char described[TARGET_DESCRIBE_MAX];
    target_describe(&tgt, (const struct sockaddr *)&addr, described, sizeof(described));
    const char *host = own_hostname(&cfg);
    char *sender = cfg.sender ? 0 : startup_address(host);
    char *recipient = cfg.recipient ? 0 : startup_address(host);
    char date[128];
    msg_date(time(0), date, sizeof(date));

    startup_addresses(&cfg, cfg.sender ? cfg.sender : sender,
                      cfg.recipient ? cfg.recipient : recipient);
    struct session_args sa = {
        .cfg = &cfg,
        .addr = &addr,
        .addrlen = addrlen,
        .target_name = described,
        .myhostname = host,
        .sender = cfg.sender ? cfg.sender : sender,
        .recipient = cfg.recipient ? cfg.recipient : recipient,
        .date = date,
        .body = body,
        .body_len = body_len,
        .headers = !cfg.old_mode && !cfg.file,
        .tls = startup_tls(&cfg, tgt.kind == TARGET_INET ? tgt.host : 0),
        .auth_secret = secret,
    };
    if (client_content(&sa) < 0)
        diag_fatal("out of memory building the message");
    static struct results rs;
    results_open(&rs, &cfg);
    int progress = cfg.progress >= 0 ? cfg.progress
                 : isatty(STDERR_FILENO) && !cfg.counter && !cfg.verbose;
    static struct parent pa;
    char run_text[RUNID_TEXT];
    runid_text(&id, run_text);
    pa.run_text = run_text;
    pa.mx = parent_metrics(&cfg);
    static struct mix mix;
    if (cfg.wl) {
        mix_init(&mix, cfg.wl->seed, workload_size_label(cfg.wl));
        pa.mix = &mix;
    }
    if (cfg.find_rate_on) {
        int status = findrate_run(&cfg, &sa, &rs, &verdict, &pa);
        parent_linger(&cfg, &pa);
        release(body, &sa, secret, sender, recipient);
        return status;
    }

    struct workers_result res;
    int run_errno, rc = parent_run(&cfg, &sa, &rs, progress, &pa, &res, &run_errno);
    if (cfg.counter)
        fputs("\n", stdout);
    if (rc < 0 && !pa.rp.fatal) {
        diag_error("fork: %s", strerror(run_errno));
        snprintf(pa.rp.error, sizeof(pa.rp.error), "fork: %s", strerror(run_errno));
        pa.rp.fatal = 1;
    }
    struct run_info ri = {
        .fatal = pa.rp.fatal,
        .signal = res.signal,
        .workers_died = res.crashed,
        .id = &id,
        .error = pa.rp.fatal ? pa.rp.error : 0,
        .sessions = config_workers(&cfg),
        .target = tgt.name,
        .rcpts_per_message = cfg.wl && cfg.wl->rcpts_on ? 0 : cfg.rcpts,
        .lmtp = cfg.lmtp,
        .reuse = cfg.reuse,
        .tls = id.settings.tls,
        .tls_verify = id.settings.tls_verify,
        .auth_mech = id.settings.auth,
    };
    results_ending(&ri);
    static char suite_names[STATS_SUITES][128];
    for (unsigned i = 0; i < pa.rp.stats.suites; i++) {
        snprintf(suite_names[i], sizeof(suite_names[i]), "%s %s",
                 tls_version_name(pa.rp.stats.suite[i].version),
                 tls_cipher_name(sa.tls, pa.rp.stats.suite[i].cipher));
        ri.suite_name[i] = suite_names[i];
    }
    if (pa.staged)
        run_info_add(&ri, &pa.rows.addendum);
    if (pa.mix) {
        run_info_add(&ri, &mix.part);
        ri.mix = &mix;
    }
    verdict_judge(&verdict, &pa.rp.stats, &ri);
    int unwritten = results_write(&rs, &cfg, &pa.rp.stats, &ri);
    parent_linger(&cfg, &pa);
    stage_rows_free(&pa.rows);
    release(body, &sa, secret, sender, recipient);

    return results_exit_status(&ri, unwritten);
}
