/*
 * batch: the records a plugin emitted since its last checkpoint, already
 * normalized, held in memory and written to the store in one short
 * transaction at the checkpoint. Holding them here rather than in an open
 * write transaction is what lets several workers sync at once: a plugin
 * waiting on the network never holds the store's write lock.
 */
#ifndef SS_BATCH_H
#define SS_BATCH_H

#include "store.h"

struct batch;

struct batch *bat_new(void);
void bat_free(struct batch *b);

/* Each add copies the record and every string it points to. */
void bat_add_rep(struct batch *b, const struct ss_rep *r);
void bat_add_lead(struct batch *b, const struct ss_lead *l);
void bat_add_deal(struct batch *b, const struct ss_deal *d, const int64_t *amount_minor);
void bat_add_metric(struct batch *b, const struct ss_metric *m, int is_int, int64_t ival,
    double dval);

size_t bat_count(const struct batch *b);

/*
 * Upserts every record, in emit order, inside the caller's transaction,
 * adding to counts[kind]; then empties the batch. On error the batch
 * keeps its records and counts may be partly added (the caller rolls
 * back and restores them).
 */
int bat_flush(struct batch *b, struct store *st, const char *source,
    struct store_counts counts[STORE_NKINDS], struct ss_err *err);

/* Drops every record. */
void bat_clear(struct batch *b);

#endif
