/* ids.c — parsing and formatting of typed node ids and check-in ids,
 * big-endian key helpers.
 * Pure functions: no allocation, no I/O. */
#include "ids.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

bool okr_id_parse(const char *text, okr_node *out)
{
    if (text == NULL)
        return false;
    char kind = text[0];
    bool is_kr;
    if (kind == 'O' || kind == 'o')
        is_kr = false;
    else if (kind == 'K' || kind == 'k')
        is_kr = true;
    else
        return false;

    const char *p = text + 1;
    if (*p < '1' || *p > '9')          /* no empty number, no leading zero */
        return false;
    uint64_t num = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        num = num * 10 + (uint64_t)(*p - '0');
        if (num > OKR_NODE_MAX_NUM)
            return false;
    }
    *out = is_kr ? okr_node_kr((uint32_t)num) : okr_node_objective((uint32_t)num);
    return true;
}

/* Digits only, at least one, no overflow past max. */
static bool parse_number(const char *from, const char *to, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (from == to)
        return false;
    for (const char *p = from; p < to; p++) {
        if (*p < '0' || *p > '9' || v > (max - (uint64_t)(*p - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return true;
}

bool okr_checkin_id_parse(const char *text, uint64_t *seq, uint32_t *n)
{
    if (text == NULL)
        return false;
    const char *from = text[0] == '#' ? text + 1 : text;
    const char *dot = strchr(from, '.'), *end = from + strlen(from);
    uint64_t s, place = 0;
    if (!parse_number(from, dot ? dot : end, UINT64_MAX, &s) || s == 0 ||
        (dot && !parse_number(dot + 1, end, UINT32_MAX, &place)))
        return false;
    *seq = s;
    *n = (uint32_t)place;
    return true;
}

char *okr_checkin_id_format(uint64_t seq, uint32_t n, char *buf)
{
    if (n > 0)
        snprintf(buf, OKR_CHECKIN_ID_BUF, "%" PRIu64 ".%" PRIu32, seq, n);
    else
        snprintf(buf, OKR_CHECKIN_ID_BUF, "%" PRIu64, seq);
    return buf;
}

char *okr_id_format(okr_node node, char *buf)
{
    snprintf(buf, OKR_ID_BUF, "%c%u", okr_node_is_kr(node) ? 'K' : 'O',
             okr_node_num(node));
    return buf;
}

void okr_put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

void okr_put_be64(unsigned char *p, uint64_t v)
{
    okr_put_be32(p, (uint32_t)(v >> 32));
    okr_put_be32(p + 4, (uint32_t)v);
}

uint32_t okr_get_be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

uint64_t okr_get_be64(const unsigned char *p)
{
    return ((uint64_t)okr_get_be32(p) << 32) | okr_get_be32(p + 4);
}
