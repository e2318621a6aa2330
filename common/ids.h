/* ids.h — typed node ids ("O12", "K40") and their packed form.
 *
 * On the wire and in the shell an id is a short string. Inside the server a
 * node is an okr_node: a uint32 whose top bit says "key result" and whose
 * low 31 bits are the number. Stored big-endian, so keys sort numerically
 * (all objectives first, then all KRs). Number 0 is never a valid id. */
#ifndef OKR_IDS_H
#define OKR_IDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

typedef uint32_t okr_node;

#define OKR_NODE_KR_BIT  0x80000000u
#define OKR_NODE_MAX_NUM 0x7fffffffu
#define OKR_ID_BUF       16          /* "K2147483647" + NUL fits */

static inline bool okr_node_is_kr(okr_node n) { return (n & OKR_NODE_KR_BIT) != 0; }
static inline uint32_t okr_node_num(okr_node n) { return n & OKR_NODE_MAX_NUM; }
static inline okr_node okr_node_objective(uint32_t num) { return num; }
static inline okr_node okr_node_kr(uint32_t num) { return num | OKR_NODE_KR_BIT; }

/* Parse "O12" / "K40" (case-insensitive letter, decimal number 1..2^31-1, no
 * sign, no spaces, no leading zeros). Returns true and sets *out on success. */
bool okr_id_parse(const char *text, okr_node *out);

/* Format a node as its id string into buf (at least OKR_ID_BUF bytes). Returns buf. */
char *okr_id_format(okr_node node, char *buf);

/* A check-in's id: the seq of the change that made it and its place n
 * among that change's check-ins (0 but for an import's), spelled "12", or
 * "12.3" when n > 0. OKR_CHECKIN_ID_BUF holds the longest. */
#define OKR_CHECKIN_ID_BUF 32
char *okr_checkin_id_format(uint64_t seq, uint32_t n, char *buf);
/* Parse "12", "#12", "12.3" or "#12.3" (seq >= 1, no sign, no spaces). */
bool okr_checkin_id_parse(const char *text, uint64_t *seq, uint32_t *n);

/* Big-endian (de)serialisation for LMDB keys. */
void okr_put_be32(unsigned char *p, uint32_t v);
void okr_put_be64(unsigned char *p, uint64_t v);
uint32_t okr_get_be32(const unsigned char *p);
uint64_t okr_get_be64(const unsigned char *p);

#endif
