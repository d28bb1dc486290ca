/* settings: what changes what a run's numbers mean without making it
 * another run, as JSON, and as a merge found it among its shards. */
#include "report/settings.h"

#include "smtp/auth.h"

#include <stdio.h>
#include <string.h>

void settings_of(struct run_settings *s, const struct config *cfg)
{
    memset(s, 0, sizeof(*s));
    s->tls = cfg->starttls ? 1 : cfg->smtps ? 2 : 0;
    s->tls_verify = s->tls && cfg->tls_verify;
    s->tls_resume = s->tls && cfg->tls_resume;
    if (cfg->auth_user)
        s->auth = cfg->auth_mech ? auth_mech_name((enum auth_mech)cfg->auth_mech)
                                 : "PLAIN or LOGIN, as offered";
}

void settings_json(const struct run_settings *s, struct json *j)
{
    json_object(j, "settings");
    if (s->tls)
        json_string(j, "tls", s->tls == 1 ? "starttls" : "implicit");
    else
        json_null(j, "tls");
    json_bool(j, "tls_verify", s->tls_verify);
    json_bool(j, "tls_resume", s->tls_resume);
    json_string(j, "auth", s->auth);
    json_end(j);
}

int setting_equal(const struct setting_value *a, const struct setting_value *b)
{
    if (a->kind != b->kind)
        return 0;
    if (a->kind == SETTING_BOOL || a->kind == SETTING_INT)
        return a->num == b->num;
    if (a->kind == SETTING_STRING)
        return strcmp(a->text, b->text) == 0;
    return 1;
}

static int key_index(const struct merged_settings *m, const char *key)
{
    for (unsigned k = 0; k < m->n; k++)
        if (strcmp(m->key[k].key, key) == 0)
            return (int)k;
    return -1;
}

/* The value's place among the key's, added if new; -1 if full. */
static int value_index(struct merged_setting *s, const struct setting_value *v)
{
    for (unsigned i = 0; i < s->n; i++)
        if (setting_equal(&s->v[i], v))
            return (int)i;
    if (s->n == SETTING_VALUES)
        return -1;
    s->v[s->n] = *v;
    s->shards[s->n] = 0;
    return (int)s->n++;
}

#define UNSET 0xff

int settings_note(struct merged_settings *m, uint32_t shard, const char *key,
                  const struct setting_value *v, char *why, size_t len)
{
    int k = key_index(m, key);
    if (k < 0) {
        if (m->n == SETTINGS_MAX) {
            snprintf(why, len, "\"run.settings\" of the reports hold more than %d keys",
                     SETTINGS_MAX);
            return -1;
        }
        k = (int)m->n++;
        memset(&m->key[k], 0, sizeof(m->key[k]));
        snprintf(m->key[k].key, sizeof(m->key[k].key), "%s", key);
        for (uint32_t i = 0; i < m->shards; i++)
            m->of[i * SETTINGS_MAX + (unsigned)k] = UNSET;
    }
    struct merged_setting *s = &m->key[k];
    int i = value_index(s, v);
    if (i < 0) {
        snprintf(why, len, "\"run.settings.%s\" has more than %d values among the reports",
                 s->key, SETTING_VALUES);
        return -1;
    }
    s->shards[i]++;
    m->of[shard * SETTINGS_MAX + (unsigned)k] = (uint8_t)i;
    return 0;
}

int settings_close(struct merged_settings *m, char *why, size_t len)
{
    static const struct setting_value absent = { SETTING_ABSENT, 0, "" };
    for (unsigned k = 0; k < m->n; k++) {
        for (uint32_t i = 0; i < m->shards; i++) {
            uint8_t *of = &m->of[i * SETTINGS_MAX + k];
            if (*of != UNSET)
                continue;
            int at = value_index(&m->key[k], &absent);
            if (at < 0) {
                snprintf(why, len, "\"run.settings.%s\" has more than %d values among the reports",
                         m->key[k].key, SETTING_VALUES);
                return -1;
            }
            m->key[k].shards[at]++;
            *of = (uint8_t)at;
        }
    }
    return 0;
}

const struct merged_setting *settings_find(const struct merged_settings *m, const char *key)
{
    int k = key_index(m, key);
    return k < 0 ? 0 : &m->key[k];
}

uint32_t settings_count(const struct merged_settings *m, const char *key,
                        const struct setting_value *v)
{
    const struct merged_setting *s = settings_find(m, key);
    for (unsigned i = 0; s && i < s->n; i++)
        if (setting_equal(&s->v[i], v))
            return s->shards[i];
    return 0;
}

static void value_text(const struct setting_value *v, char *buf, size_t len)
{
    switch (v->kind) {
    case SETTING_NULL: snprintf(buf, len, "null"); break;
    case SETTING_BOOL: snprintf(buf, len, "%s", v->num ? "true" : "false"); break;
    case SETTING_INT: snprintf(buf, len, "%lld", (long long)v->num); break;
    case SETTING_STRING: snprintf(buf, len, "\"%s\"", v->text); break;
    default: snprintf(buf, len, "absent"); break;
    }
}

void settings_text(const struct merged_setting *s, uint32_t shards, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < s->n && o < len; i++) {
        char v[SETTING_TEXT + 8];
        value_text(&s->v[i], v, sizeof(v));
        int n = i == 0 ? snprintf(buf + o, len - o, "%s in %u of %u shards", v,
                                  (unsigned)s->shards[i], (unsigned)shards)
                       : snprintf(buf + o, len - o, ", %s in %u", v, (unsigned)s->shards[i]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

static void value_json(const struct setting_value *v, const char *key, struct json *j)
{
    switch (v->kind) {
    case SETTING_NULL: json_null(j, key); break;
    case SETTING_BOOL: json_bool(j, key, (int)v->num); break;
    case SETTING_INT: json_int(j, key, v->num); break;
    case SETTING_STRING: json_string(j, key, v->text); break;
    default: break;
    }
}

void settings_agreed_json(const struct merged_settings *m, struct json *j)
{
    json_object(j, "settings");
    for (unsigned k = 0; k < m->n; k++)
        if (m->key[k].n == 1)
            value_json(&m->key[k].v[0], m->key[k].key, j);
    json_end(j);
}

void settings_differ_json(const struct merged_settings *m, struct json *j, const char *name)
{
    json_array(j, name);
    for (unsigned k = 0; k < m->n; k++)
        if (m->key[k].n > 1)
            json_string(j, 0, m->key[k].key);
    json_end(j);
}

void settings_shard_json(const struct merged_settings *m, uint32_t shard, struct json *j)
{
    json_object(j, "settings");
    for (unsigned k = 0; k < m->n; k++)
        value_json(&m->key[k].v[m->of[shard * SETTINGS_MAX + k]], m->key[k].key, j);
    json_end(j);
}
