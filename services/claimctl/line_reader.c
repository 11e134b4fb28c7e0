/* A JSON Lines reader on its own thread; see line_reader.h. */
#include "line_reader.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json.h"
#include "base/error.h"

#define BATCHES     3
#define BATCH_LINES 1024
#define ARENA_BYTES (8u * 1024 * 1024)
#define ERROR_BYTES 256

typedef struct batch {
	size_t count;
	char *text; /* the lines, NUL-separated */
	size_t text_len, text_cap;
	size_t offset[BATCH_LINES];
	claimctl_line lines[BATCH_LINES];
	yb_record records[BATCH_LINES];
	char errors[BATCH_LINES][ERROR_BYTES];
	char *arena_memory;
	yb_arena arena;
	bool full; /* filled and not yet consumed */
	bool last; /* the input ends after it */
} batch;

struct claimctl_reader {
	FILE *in;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t filled, emptied;
	bool stopping;
	int read_error;
	batch batches[BATCHES];
	int fill_at, take_at; /* the batch the reader fills, the consumer takes */
	size_t next_line;     /* in batches[take_at] */
	bool holding;         /* the consumer holds batches[take_at] */
	bool ended;
};

/* Add a line to b; false when b has no room for it (it goes to the next batch). */
static bool add_line(batch *b, const char *line, size_t len, uint64_t line_no)
{
	claimctl_line *l;

	if (b->count == BATCH_LINES)
		return false;
	/* Decoding needs at most a few times the line's length in the arena. */
	if (b->count > 0 && ARENA_BYTES - b->arena.used < 4 * len + 65536)
		return false;
	if (b->text_len + len + 1 > b->text_cap) {
		size_t cap = b->text_cap * 2 > b->text_len + len + 1 ? b->text_cap * 2
								     : b->text_len + len + 1;
		char *grown = realloc(b->text, cap);

		if (grown == NULL)
			return false;
		b->text = grown;
		b->text_cap = cap;
	}
	memcpy(b->text + b->text_len, line, len + 1);
	b->offset[b->count] = b->text_len;
	b->text_len += len + 1;
	l = &b->lines[b->count];
	l->len = len;
	l->line_no = line_no;
	l->rc = yb_json_decode(line, len, &b->arena, &b->records[b->count], b->errors[b->count],
			       ERROR_BYTES);
	l->error = b->errors[b->count];
	l->record = &b->records[b->count];
	b->count++;
	return true;
}

static void *read_loop(void *arg)
{
	claimctl_reader *r = arg;
	char *line = NULL, *pending = NULL;
	size_t cap = 0, pending_len = 0;
	uint64_t line_no = 0, pending_no = 0;
	bool eof = false;

	while (!eof) {
		batch *b = &r->batches[r->fill_at];

		pthread_mutex_lock(&r->lock);
		while (b->full && !r->stopping)
			pthread_cond_wait(&r->emptied, &r->lock);
		pthread_mutex_unlock(&r->lock);
		if (r->stopping)
			break;
		b->count = 0;
		b->text_len = 0;
		b->last = false;
		yb_arena_reset(&b->arena);
		if (pending != NULL) {
			add_line(b, pending, pending_len, pending_no);
			free(pending);
			pending = NULL;
		}
		for (;;) {
			ssize_t len = getline(&line, &cap, r->in);

			if (len < 0) {
				if (ferror(r->in))
					r->read_error = errno != 0 ? errno : EIO;
				eof = true;
				break;
			}
			line_no++;
			while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = '\0';
			if (len == 0)
				continue;
			if (!add_line(b, line, (size_t)len, line_no)) {
				pending = strdup(line);
				pending_len = (size_t)len;
				pending_no = line_no;
				break;
			}
		}
		pthread_mutex_lock(&r->lock);
		b->last = eof;
		b->full = true;
		pthread_cond_signal(&r->filled);
		pthread_mutex_unlock(&r->lock);
		r->fill_at = (r->fill_at + 1) % BATCHES;
	}
	free(pending);
	free(line);
	return NULL;
}

static void free_batches(claimctl_reader *r)
{
	for (int i = 0; i < BATCHES; i++) {
		free(r->batches[i].arena_memory);
		free(r->batches[i].text);
	}
}

int claimctl_reader_start(claimctl_reader **out, FILE *in)
{
	claimctl_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (r == NULL)
		return YB_ENOMEM;
	r->in = in;
	for (int i = 0; i < BATCHES; i++) {
		r->batches[i].arena_memory = malloc(ARENA_BYTES);
		r->batches[i].text_cap = 1 << 20;
		r->batches[i].text = malloc(r->batches[i].text_cap);
		if (r->batches[i].arena_memory == NULL || r->batches[i].text == NULL) {
			claimctl_reader_stop(r);
			return YB_ENOMEM;
		}
		yb_arena_init(&r->batches[i].arena, r->batches[i].arena_memory, ARENA_BYTES);
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->filled, NULL);
	pthread_cond_init(&r->emptied, NULL);
	r->started = pthread_create(&r->thread, NULL, read_loop, r) == 0;
	if (!r->started) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->filled);
		pthread_cond_destroy(&r->emptied);
		free_batches(r);
		free(r);
		return YB_ENOMEM;
	}
	*out = r;
	return YB_OK;
}

const claimctl_line *claimctl_reader_next(claimctl_reader *r)
{
	for (;;) {
		batch *b = &r->batches[r->take_at];

		if (r->ended)
			return NULL;
		if (!r->holding) {
			pthread_mutex_lock(&r->lock);
			while (!b->full)
				pthread_cond_wait(&r->filled, &r->lock);
			pthread_mutex_unlock(&r->lock);
			r->holding = true;
			r->next_line = 0;
		}
		if (r->next_line < b->count) {
			claimctl_line *l = &b->lines[r->next_line];

			l->text = b->text + b->offset[r->next_line];
			r->next_line++;
			return l;
		}
		/* This batch is done: hand it back. */
		pthread_mutex_lock(&r->lock);
		b->full = false;
		r->holding = false;
		if (b->last)
			r->ended = true;
		pthread_cond_signal(&r->emptied);
		pthread_mutex_unlock(&r->lock);
		r->take_at = (r->take_at + 1) % BATCHES;
	}
}

int claimctl_reader_error(const claimctl_reader *r)
{
	return r->read_error;
}

void claimctl_reader_stop(claimctl_reader *r)
{
	if (r == NULL)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->lock);
		r->stopping = true;
		pthread_cond_broadcast(&r->emptied);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->filled);
		pthread_cond_destroy(&r->emptied);
	}
	free_batches(r);
	free(r);
}
