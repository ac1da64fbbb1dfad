/*
 * moodle_map: the pure part of the Moodle plugin, kept apart so the unit
 * tests can link it: Moodle's error object, id lists, users, courses and
 * completion responses to numbers and texts. No SDK types and no I/O.
 */
#ifndef MOODLE_MAP_H
#define MOODLE_MAP_H

#include <jansson.h>
#include <stddef.h>

/* Moodle's error object: {"exception", "errorcode", "message"[, "debuginfo"]},
 * sent with HTTP 200 by the REST server. */
struct moodle_exc {
	char exception[96];
	char errorcode[64];
	char message[300];
	char debuginfo[300];
};

/* 1 if j is Moodle's error object (e filled in), else 0. */
int moodle_exception(json_t *j, struct moodle_exc *e);

enum moodle_exc_kind {
	MOODLE_EXC_OTHER = 0,
	MOODLE_EXC_TOKEN,       /* the token is unknown, expired or not for this IP */
	MOODLE_EXC_ACCESS,      /* a function outside the token's service, a capability */
	MOODLE_EXC_NOCRITERIA,  /* the course has no completion criteria */
	MOODLE_EXC_NOTENROLLED  /* the user left the course meanwhile, or is not tracked */
};

enum moodle_exc_kind moodle_exception_kind(const struct moodle_exc *e);

/* "5, 3,5" -> sorted, unique, positive ids (caller frees *ids). 0, or -1
 * with err set. */
int moodle_parse_ids(const char *text, long long **ids, size_t *n, char *err, size_t errsz);

/* "student, teacher" -> words (caller frees with moodle_words_free). 0/-1. */
int moodle_parse_words(const char *text, char ***words, size_t *n);
void moodle_words_free(char **words, size_t n);

/* An integer member (number, numeric string or boolean), or dflt. */
long long moodle_int(json_t *o, const char *key, long long dflt);

/* 1 if one of the user's roles[].shortname is in words, 0 if none is, -1
 * if the user has no roles member (the token may not see roles). */
int moodle_has_role(json_t *user, char *const *words, size_t n);

/* Name of the user's group with the lowest id, or NULL. Borrowed from user. */
const char *moodle_first_group(json_t *user);

/* fullname, else "firstname lastname"; 0, or -1 when there is none. */
int moodle_user_name(json_t *user, char *out, size_t n);

/* 1 active, 0 suspended, -1 unknown (no suspended member). */
int moodle_user_active(json_t *user);

/* UTC "YYYY-MM-DDTHH:MM:SSZ" of epoch seconds (years 0..9999). */
void moodle_iso(long long epoch, char out[21]);

/* A course's period for training.enrolled and training.progress, as UTC
 * ISO text: [startdate, enddate), startdate falling back to timecreated,
 * and an open end (no enddate) written as 9999-12-31T00:00:00Z. */
void moodle_course_period(json_t *course, char start[21], char end[21]);

/* One user's standing in one course. */
struct moodle_progress {
	int known;              /* 0: nothing to measure (no criteria / tracked activities) */
	int completed;          /* the course is complete */
	double progress;        /* 0..1 */
	long long completed_at; /* epoch seconds of completion, 0 if unknown */
};

/* From core_completion_get_course_completion_status: completed as Moodle
 * says, progress = complete criteria / criteria (1 when completed), the
 * completion time from the criteria's timecompleted (latest when all are
 * needed, earliest when any is). 0, or -1 if resp is not that shape. */
int moodle_course_completion(json_t *resp, struct moodle_progress *p);

/* From core_completion_get_activities_completion_status, for courses
 * without criteria, the way Moodle's own course progress counts: of the
 * activities with completion tracking, those complete or complete-pass;
 * completed when all of them are, at the latest timecompleted. 0 or -1. */
int moodle_activities_completion(json_t *resp, struct moodle_progress *p);

/* A 0..1 ratio as short decimal text: "0", "0.5", "0.3333", "1". */
void moodle_ratio_text(double v, char out[16]);

#endif
