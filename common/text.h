/* text.h — validation and formatting of the text that crosses the wire:
 * UTF-8 checks, calendar dates, timestamps. Pure functions. */
#ifndef OKR_TEXT_H
#define OKR_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF) and holds no control character but tab. */
bool text_valid_utf8(const char *s, size_t len);

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
