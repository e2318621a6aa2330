#!/usr/bin/env python3
"""checkin.py — record one check-in on a key result, the way a chat bot or
a script would: one CheckInAdd over a DEALER socket, retried safely.

    checkin.py [--server EP] [--timeout MS] [--retries N] [--confidence C]
               [--note TEXT] KR VALUE

Exit status, like okr's: 0 the check-in is recorded (its event seq is
printed), 1 the server refused it (its sentence is printed), 2 usage,
3 okrd did not answer.

A mutation is not idempotent and okrd does not deduplicate request ids, so
the retry is careful (Lazy Pirate with a check): the check-in keeps ONE
request id across tries; after a try goes unanswered the script reconnects
and first reads the event log (Replay with the KR as node filter, from the
seq okrd reported before the first try) for an event whose recorded Request
has that id. Found: the check-in landed and only its reply was lost — done.
Not found: it is sent again, with the same id. See docs/protocol.md,
"Notes for client authors".
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


def landed(cl, req, after_seq):
    """Whether the event log holds our check-in: the event, False, or None
    when okrd did not answer (then we still do not know)."""
    while True:
        q = cl.new_request()
        q.replay.after_seq = after_seq
        q.replay.nodes.append(req.checkin.kr)
        resp = cl.send_once(q)
        if resp is None:
            return None
        if resp.error.code != okr_pb2.OK:
            # NOT_FOUND: pruned by retention; treat as unknown, never resend blindly.
            sys.stderr.write("checkin.py: cannot read the event log: %s\n" % resp.error.message)
            return None
        ev_list = resp.events
        for ev in ev_list.events:
            if ev.change.request_id == req.request_id and ev.change.HasField("checkin"):
                return ev
        if ev_list.through_seq >= ev_list.last_seq or ev_list.through_seq <= after_seq:
            return False
        after_seq = ev_list.through_seq


def report(resp_or_event, is_event):
    if is_event:
        print("recorded %s as seq %d (the first reply was lost; found in the log)"
              % (resp_or_event.subject, resp_or_event.seq))
        return okrclient.EXIT_OK
    resp = resp_or_event
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
    status_req = cl.new_request()
    status_req.status.SetInParent()          # an empty body must be selected explicitly
    try:
        status = cl.call(status_req, args.retries)
    except okrclient.Unreachable as e:
        sys.stderr.write("checkin.py: %s\n" % e)
        return okrclient.EXIT_UNREACHABLE
    before = status.status.last_seq          # our event, if any, comes after this
    req = checkin_request(cl, args)
    unsure = False                           # a try went unanswered
    for attempt in range(1, args.retries + 1):
        if unsure:
            found = landed(cl, req, before)
            if found is None:
                sys.stderr.write("checkin.py: no reply in %d ms (try %d of %d)\n"
                                 % (args.timeout, attempt, args.retries))
                continue
            if found is not False:
                return report(found, True)
            sys.stderr.write("checkin.py: not in the log: sending request %d again\n"
                             % req.request_id)
        resp = cl.send_once(req)
        if resp is not None:
            return report(resp, False)
        sys.stderr.write("checkin.py: no reply in %d ms (try %d of %d)\n"
                         % (args.timeout, attempt, args.retries))
        unsure = True
    sys.stderr.write("checkin.py: okrd at %s did not answer; the check-in may or may not "
                     "be recorded (look for request id %d in `okr log %s`)\n"
                     % (args.server, req.request_id, args.kr))
    return okrclient.EXIT_UNREACHABLE


def main(argv):
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
