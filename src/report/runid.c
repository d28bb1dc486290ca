/* runid: the run's identity, from the options, and as JSON. */
#include "report/runid.h"

#include <stdio.h>
#include <string.h>

uint64_t runid_fnv(const char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void runid_init(struct run_id *id, const struct config *cfg, const char *body, size_t body_len)
{
    memset(id, 0, sizeof(*id));
    id->messages = cfg->messages;
    id->duration_ns = cfg->duration_ns;
    id->rate_on = cfg->rate_on;
    id->rate = cfg->rate;
    id->sessions = cfg->sessions;
    id->rcpts = cfg->rcpts;
    id->length = cfg->msg_length;
    id->body_bytes = body_len;
    id->body_fnv = runid_fnv(body, body_len);
    id->headers = !cfg->old_mode && !cfg->file;
    id->reuse = cfg->reuse;
    id->lmtp = cfg->lmtp;
    id->interval_us = cfg->interval_ns ? cfg->interval_ns / 1000 : cfg->plot ? 1000000 : 0;
    id->start_at_on = cfg->start_at_on;
    id->start_at_us = cfg->start_at_ns / 1000;
    id->shard = cfg->shard;
    id->sharded = cfg->sharded;
    settings_of(&id->settings, cfg);
}

void runid_text(const struct run_id *id, char out[RUNID_TEXT])
{
    /* The identity's keys (those of runid_json), so that every shard of a
     * run, and their merge, name the same run. */
    char key[512];
    int n = snprintf(key, sizeof(key), "%lld %lld %d %llu/%llu %d %d %ld %llu %llx %d %d %d %lld %u %d %lld",
                     (long long)id->messages, (long long)id->duration_ns, id->rate_on,
                     (unsigned long long)(id->rate_on ? id->rate.num : 0),
                     (unsigned long long)(id->rate_on ? id->rate.den : 0), id->sessions, id->rcpts,
                     id->length, (unsigned long long)id->body_bytes,
                     (unsigned long long)id->body_fnv, id->headers, id->reuse, id->lmtp,
                     (long long)id->interval_us, id->shard.count, id->start_at_on,
                     (long long)(id->start_at_on ? id->start_at_us : 0));
    snprintf(out, RUNID_TEXT, "%016llx",
             (unsigned long long)runid_fnv(key, n > 0 && (size_t)n < sizeof(key) ? (size_t)n : 0));
}

void runid_json(const struct run_id *id, struct json *j)
{
    char hash[17];
    json_object(j, "identity");
    if (id->messages == MESSAGES_UNBOUNDED)
        json_null(j, "messages");
    else
        json_int(j, "messages", id->messages);
    if (id->duration_ns)
        json_int(j, "duration_ns", id->duration_ns);
    else
        json_null(j, "duration_ns");
    if (id->rate_on) {
        json_array(j, "rate_fraction");
        json_uint(j, 0, id->rate.num);
        json_uint(j, 0, id->rate.den);
        json_end(j);
    } else {
        json_null(j, "rate_fraction");
    }
    json_int(j, "sessions", id->sessions);
    json_int(j, "recipients", id->rcpts);
    if (id->length)
        json_int(j, "length", id->length);
    else
        json_null(j, "length");
    json_uint(j, "message_bytes", id->body_bytes);
    snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)id->body_fnv);
    json_string(j, "message_fnv1a64", hash);
    json_bool(j, "headers", id->headers);
    json_bool(j, "connection_reuse", id->reuse);
    json_string(j, "protocol", id->lmtp ? "LMTP" : "SMTP");
    if (id->interval_us)
        json_int(j, "interval_us", id->interval_us);
    else
        json_null(j, "interval_us");
    json_uint(j, "shards", id->shard.count);
    if (id->start_at_on)
        json_int(j, "start_at_unix_us", id->start_at_us);
    else
        json_null(j, "start_at_unix_us");
    json_end(j);
}
