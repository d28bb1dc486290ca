/* settings: what a run was set to do that changes what its numbers mean
 * without making it another run (TLS, its verification, AUTH): the JSON
 * report's run.settings, and what a merge found of them among its shards,
 * value by value, so that no shard's word is taken for all. Pure: no I/O. */
#ifndef SETTINGS_H
#define SETTINGS_H

#include "core/config.h"
#include "core/json.h"

#include <stddef.h>
#include <stdint.h>

/* A run's own. New settings go here, in settings_of and settings_json:
 * --merge compares run.settings key by key, whatever the keys are. */
struct run_settings {
    int tls;                  /* 0 none, 1 STARTTLS, 2 implicit */
    int tls_verify, tls_resume;
    const char *auth;         /* the AUTH mechanism asked for; NULL: no AUTH */
};

void settings_of(struct run_settings *s, const struct config *cfg);
/* The "settings" object of the JSON report's "run". */
void settings_json(const struct run_settings *s, struct json *j);

/* One value of run.settings as a merge reads it: a scalar. */
#define SETTING_KEY 32         /* a key's bytes, with its NUL */
#define SETTING_TEXT 64        /* a string value's bytes, with its NUL */
enum setting_kind { SETTING_ABSENT, SETTING_NULL, SETTING_BOOL, SETTING_INT, SETTING_STRING };
struct setting_value {
    uint8_t kind;
    int64_t num;              /* SETTING_BOOL (0, 1), SETTING_INT */
    char text[SETTING_TEXT];  /* SETTING_STRING: printable ASCII */
};

/* The keys a merge follows, and the different values of one key. */
#define SETTINGS_MAX 16
#define SETTING_VALUES 8

struct merged_setting {
    char key[SETTING_KEY];
    unsigned n;               /* different values among the shards */
    struct setting_value v[SETTING_VALUES];
    uint32_t shards[SETTING_VALUES];   /* how many shards had v[i] */
};

/* A merge's settings: every key any shard had, and which value each
 * shard (by its place among the merged, not its index) had. */
struct merged_settings {
    unsigned n;
    struct merged_setting key[SETTINGS_MAX];
    uint8_t *of;              /* of[shard * SETTINGS_MAX + k]: the value of key k */
    uint32_t shards;
};

int setting_equal(const struct setting_value *a, const struct setting_value *b);
/* Notes shard's value v of key; -1 with why (naming the key) if there are
 * too many keys or values to follow. of must hold shards * SETTINGS_MAX. */
int settings_note(struct merged_settings *m, uint32_t shard, const char *key,
                  const struct setting_value *v, char *why, size_t len);
/* Once every shard is noted: a key a shard did not have is "absent" for
 * it; -1 with why if that makes too many values. */
int settings_close(struct merged_settings *m, char *why, size_t len);

/* The key's place, or NULL if no shard had it. */
const struct merged_setting *settings_find(const struct merged_settings *m, const char *key);
/* Shards whose value of key is v (0 for an unknown key). */
uint32_t settings_count(const struct merged_settings *m, const char *key,
                        const struct setting_value *v);
/* "true in 1 of 2 shards, false in 1" (absent, null, true, 42, "PLAIN"). */
void settings_text(const struct merged_setting *s, uint32_t shards, char *buf, size_t len);
/* The keys all shards agree on, with their value, as "settings"; the
 * keys they differ in, as an array called name. */
void settings_agreed_json(const struct merged_settings *m, struct json *j);
void settings_differ_json(const struct merged_settings *m, struct json *j, const char *name);
/* One shard's own, as "settings". */
void settings_shard_json(const struct merged_settings *m, uint32_t shard, struct json *j);

#endif
