#!/usr/bin/env python3
"""lmdb_pages.py — which databases the pages okrd wrote belong to.

Usage: strace -f -xx -s 8192 -e trace=pwrite64 -o TRACE -p $(pidof okrd)  (a few s)
       tools/lmdb_pages.py TRACE N_CHECKINS

Each 4 KiB page of every pwrite64 is classified by LMDB's page header and the
key/value sizes of its first nodes (okrd's layout, server/store.h): 4-byte keys
with 48-byte values are aggregates, other 4-byte keys node records and the
check-in chains' heads, 12-byte keys the check-in log (and its gone links),
24-byte keys its late index, 25/9-byte keys the reply cache, 8-byte keys events
or the free list (and redo records, as overflow pages). Prints pages per check-in by kind.
A measurement aid for docs/performance.md ("Flat write cost"); not built,
not run by the tests."""
import sys, re, struct, collections
f, ncheckins = sys.argv[1], int(sys.argv[2])
P = 4096
cnt = collections.Counter()
def classify(pg):
    flags, lower, upper = struct.unpack_from('<HHH', pg, 10)
    n = (lower - 16) // 2
    if flags & 0x08: return 'meta'
    if flags & 0x04: return 'overflow'
    if flags & 0x20:   # LEAF2 (DUPFIXED values)
        return 'dup values (up/down/index)'
    kind = 'branch' if flags & 0x01 else 'leaf'
    if n <= 0: return kind + ' ?'
    ks = collections.Counter(); ds = []
    for i in range(min(n, 8)):
        off = struct.unpack_from('<H', pg, 16 + 2*i)[0]
        lo, hi, nf, ksize = struct.unpack_from('<HHHH', pg, off)
        ks[ksize] += 1; ds.append(lo | (hi << 16)); key = pg[off+8:off+8+ksize]
    k = ks.most_common(1)[0][0]
    if kind == 'branch':
        name = {4: 'node-keyed (agg/krs/objectives/up/down/heads)', 8: 'events/freelist', 12: 'checkin log', 24: 'checkin late', 25: 'replies', 9: 'replies'}.get(k, 'ksize %d' % k)
        return 'branch ' + name
    d = ds[0]
    if k == 4:
        if all(x == 48 for x in ds): return 'leaf agg'
        return 'leaf krs/objectives/edges (4-byte keys)'
    if k == 8: return 'leaf events/freelist (8-byte keys)'
    if k == 12: return 'leaf checkin log (or gone links)'
    if k == 24: return 'leaf checkin late index'
    if k in (25, 9): return 'leaf replies'
    return 'leaf ksize %d' % k
buf = b''
for line in open(f):
    m = re.search(r'pwrite64\(\d+, "((?:\\x[0-9a-f]{2})*)"(\.\.\.)?, (\d+), (\d+)\) = (\d+)', line)
    if not m: continue
    data = bytes.fromhex(m.group(1).replace('\\x', ''))
    for i in range(0, len(data) - P + 1, P):
        cnt[classify(data[i:i+P])] += 1
tot = sum(cnt.values())
print(f"{tot} pages for {ncheckins} check-ins: {tot/max(ncheckins,1):.2f} pages/check-in")
for k, v in cnt.most_common():
    print(f"  {v/max(ncheckins,1):6.2f}  {k}")
