/*
 * mango/queue.h - intrusive doubly linked lists.
 *
 * Embed a struct queue_entry in the object and a struct queue where the
 * list lives; container_of() gets from the entry back to the object.
 * Invariants: (1) q_head.qe_next->qe_prev == &q_head and likewise for
 * every entry; (2) an entry not on a list has both links NULL.
 * No locking here: the owner of the queue says which lock protects it.
 */
#ifndef MANGO_QUEUE_H_
#define MANGO_QUEUE_H_

#include <mango/types.h>

struct queue_entry {
	struct queue_entry *qe_next;
	struct queue_entry *qe_prev;
};

struct queue {
	struct queue_entry q_head; /* sentinel: first is q_head.qe_next */
};

#define QUEUE_INIT(q) { { &(q).q_head, &(q).q_head } }

static inline void queue_init(struct queue *q)
{
	q->q_head.qe_next = q->q_head.qe_prev = &q->q_head;
}

static inline bool queue_empty(const struct queue *q)
{
	return q->q_head.qe_next == &q->q_head;
}

static inline bool queue_entry_linked(const struct queue_entry *e)
{
	return e->qe_next != NULL;
}

static inline void queue_insert_after(struct queue_entry *pos, struct queue_entry *e)
{
	e->qe_prev = pos;
	e->qe_next = pos->qe_next;
	pos->qe_next->qe_prev = e;
	pos->qe_next = e;
}

static inline void queue_push_front(struct queue *q, struct queue_entry *e)
{
	queue_insert_after(&q->q_head, e);
}

static inline void queue_push_back(struct queue *q, struct queue_entry *e)
{
	queue_insert_after(q->q_head.qe_prev, e);
}

/* queue_delete - unlink @e from whatever queue it is on. */
static inline void queue_delete(struct queue_entry *e)
{
	e->qe_prev->qe_next = e->qe_next;
	e->qe_next->qe_prev = e->qe_prev;
	e->qe_next = e->qe_prev = NULL;
}

/* queue_first - the first entry, or NULL when empty. */
static inline struct queue_entry *queue_first(const struct queue *q)
{
	return queue_empty(q) ? NULL : q->q_head.qe_next;
}

static inline struct queue_entry *queue_pop_front(struct queue *q)
{
	struct queue_entry *e = queue_first(q);
	if (e)
		queue_delete(e);
	return e;
}

static inline size_t queue_length(const struct queue *q)
{
	size_t n = 0;
	for (const struct queue_entry *e = q->q_head.qe_next; e != &q->q_head; e = e->qe_next)
		n++;
	return n;
}

#define queue_foreach(e, q) \
	for (struct queue_entry *e = (q)->q_head.qe_next; e != &(q)->q_head; e = e->qe_next)

#endif /* MANGO_QUEUE_H_ */
