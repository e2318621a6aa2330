/* text.h — validation and formatting of the text that crosses the wire:
 * the text rules (UTF-8, controls, invisible formatting), calendar dates,
 * timestamps. Pure functions. */
#ifndef OKR_TEXT_H
#define OKR_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What is wrong with a text, first problem first. */
typedef enum {
    TEXT_OK,
    TEXT_NOT_UTF8,      /* malformed, overlong, a surrogate, above U+10FFFF */
    TEXT_CONTROL,       /* C0/C1 control or DEL: tab, CR, ESC ...; a line feed
                         * unless lines are allowed */
    TEXT_INVISIBLE,     /* bidi controls (U+202A..U+202E, U+2066..U+2069,
                         * U+200E/U+200F, U+061C), zero-width space, word
                         * joiner, U+2028/U+2029, BOM, tag characters */
} text_problem;

/* Check s[0..len) against the text rules of docs/protocol.md: well-formed
 * UTF-8 holding no control character (a line feed only when `lines`) and no
 * invisible formatting character. On a problem, *at (when not NULL) is the
 * byte offset of the offending character and *cp (when not NULL) its code
 * point (for TEXT_NOT_UTF8: the offending byte). NUL counts as a control. */
text_problem text_check(const char *s, size_t len, bool lines, size_t *at, unsigned *cp);

/* text_check on one line of text: true when it has no problem. */
bool text_valid_utf8(const char *s, size_t len);

/* Replace each line feed of s with a space, in place: multi-line text
 * (a description, a note) shown in a table cell or on an event line. */
void text_flatten(char *s);

/* Parse "YYYY-MM-DD" (a real calendar date, years 1970..9999) into days since
 * 1970-01-01. Returns false on anything else. */
bool text_parse_date(const char *s, int64_t *days);

/* Format days since 1970-01-01 as "YYYY-MM-DD" into buf (>= 11 bytes). */
void text_format_date(int64_t days, char *buf);

/* Format Unix microseconds as "YYYY-MM-DD HH:MM" UTC into buf (>= 17 bytes). */
void text_format_time(int64_t us, char *buf);

/* Current wall-clock time in Unix microseconds. */
int64_t text_now_us(void);

#define OKR_US_PER_DAY 86400000000LL

#endif
