/* config: what follows from the run's settings alone. */
#include "core/config.h"

int64_t config_slots(const struct config *cfg)
{
    return shard_owned(&cfg->shard, cfg->messages);
}

unsigned config_workers(const struct config *cfg)
{
    int64_t slots = config_slots(cfg);
    unsigned n = slots < cfg->sessions ? (unsigned)slots : (unsigned)cfg->sessions;
    return n > 0 ? n : 1;
}
