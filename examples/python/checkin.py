#!/usr/bin/env python3
"""checkin.py — record one check-in on a key result, the way a chat bot or
a script would: one CheckInAdd over a DEALER socket, retried safely.

    checkin.py [--server EP] [--timeout MS] [--retries N] [--confidence C]
               [--note TEXT] KR VALUE

Exit status, like okr's: 0 the check-in is recorded (its event seq is
printed), 1 the server refused it (its sentence is printed), 2 usage,
3 okrd did not answer.

Retries are Lazy Pirate with ONE request id for every try: okrd keeps each
mutation's reply under (user, request id) and answers a repeat with the
original reply without doing it again (docs/protocol.md, "Exactly once"),
so a try whose reply was lost is resent safely and the check-in is
recorded once.
"""

import argparse
import sys

import okrclient
from okrclient import okr_pb2


def parse_args(argv):
    p = argparse.ArgumentParser(description="Record one check-in on a key result.")
    p.add_argument("--server", default="tcp://127.0.0.1:7411",
                   help="okrd's request endpoint (default tcp://127.0.0.1:7411)")
    p.add_argument("--timeout", type=int, default=2000, metavar="MS",
                   help="wait for each try, in milliseconds (default 2000)")
    p.add_argument("--retries", type=int, default=3, metavar="N",
                   help="tries before giving up (default 3)")
    p.add_argument("--confidence", type=float, help="0..1")
    p.add_argument("--note", help="a note for the check-in")
    p.add_argument("kr", metavar="KR", help="the key result, e.g. K40")
    p.add_argument("value", metavar="VALUE", type=float, help="the new value")
    args = p.parse_args(argv)
    if args.timeout <= 0 or args.retries <= 0:
        p.error("--timeout and --retries must be positive")
    return args


def checkin_request(cl, args):
    req = cl.new_request()
    req.request_id = okrclient.new_request_id()   # kept for every try
    req.checkin.kr = args.kr
    req.checkin.value = args.value
    if args.confidence is not None:
        req.checkin.confidence = args.confidence
    if args.note is not None:
        req.checkin.note = args.note
    return req


def report(resp):
    if resp.error.code != okr_pb2.OK:
        sys.stderr.write("checkin.py: %s: %s\n" % (okrclient.error_name(resp.error.code),
                                                   resp.error.message))
        return okrclient.EXIT_REFUSED
    ch = resp.changed
    print("recorded %s as seq %d" % (ch.id, ch.seq))
    for sc in ch.scores:
        print("  %s %s -> %s" % (sc.node, okrclient.fmt_score(sc.old_score),
                                 okrclient.fmt_score(sc.new_score)))
    return okrclient.EXIT_OK


def run(args):
    cl = okrclient.Client(args.server, args.timeout)
    try:
        return checkin(cl, args)
    finally:
        cl.close()


def checkin(cl, args):
    req = checkin_request(cl, args)
    for attempt in range(1, args.retries + 1):
        resp = cl.send_once(req)             # the same request id every time
        if resp is not None:
            return report(resp)
        sys.stderr.write("checkin.py: no reply in %d ms (try %d of %d)\n"
                         % (args.timeout, attempt, args.retries))
    sys.stderr.write("checkin.py: okrd at %s did not answer; if it got the check-in it "
                     "recorded it once (look for it with `okr log %s`)\n"
                     % (args.server, args.kr))
    return okrclient.EXIT_UNREACHABLE


def main(argv):
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
