#!/usr/bin/env python3
"""monitor.py — follow okrd's live progress stream and print every score
change, one line each, losing nothing (the clone pattern of
docs/protocol.md, "Writing a monitor").

    monitor.py [--server EP] [--events EP] [--timeout MS] [--page-limit N]
               [--until SEQ] [--json] [--rcvhwm N] [NODE...]

1. subscribe (SUB: "hb", and "all" or "node/ID/" per NODE followed);
2. take a snapshot, page by page (every page is the state at one seq);
3. apply events in seq order: older ones are repeats, the next one is
   applied, a later one means a gap;
4. fill every gap by Replay from the last seq applied (with the node filter
   when following nodes: through_seq vouches for the seqs it skipped);
5. a heartbeat, page or replay of another epoch: a new history, snapshot
   again; no heartbeat for a while: ask StatusGet before calling okrd dead
   (a slow subscriber loses heartbeats too).

Output, one line each: `#SEQ NODE OLD -> NEW` per score change, `#SEQ ID
deleted`, `#SEQ SUBJECT CHANGE (no score moved)`; with --json one object per
line: {"snapshot": {...}}, {"seq": ..., "scores": [...]}, and at the end
{"final": {"epoch", "seq", "scores", "replayed"}}. --until SEQ stops after seq SEQ is
applied; SIGINT or SIGTERM stop it too. Exit 0, 2 usage, 3 okrd never
answered the first snapshot.
"""

import argparse
import json
import signal
import sys
import time

import zmq

import okrclient
from okrclient import okr_pb2

HEARTBEAT_SILENCE_MS = 3000


class Stop(Exception):
    pass


class Output:
    """The lines a person (or, with --json, a program) reads."""

    def __init__(self, as_json):
        self.as_json = as_json

    def _emit(self, obj, text_lines):
        if self.as_json:
            print(json.dumps(obj, sort_keys=True))
        else:
            for line in text_lines:
                print(line)
        sys.stdout.flush()

    def snapshot(self, epoch, seq, n_nodes, pages, new_epoch):
        self._emit({"snapshot": {"epoch": epoch.hex(), "seq": seq, "nodes": n_nodes,
                                 "pages": pages, "new_epoch": new_epoch}},
                   ["%ssnapshot at seq %d: %d nodes in %d page%s (epoch %s)"
                    % ("new history: " if new_epoch else "", seq, n_nodes, pages,
                       "" if pages == 1 else "s", epoch.hex()[:12])])

    def event(self, ev, change, deleted):
        scores = [{"node": s.node, "old": s.old_score, "new": s.new_score} for s in ev.scores]
        lines = ["#%d %s %s -> %s" % (ev.seq, s.node, okrclient.fmt_score(s.old_score),
                                      okrclient.fmt_score(s.new_score)) for s in ev.scores]
        lines += ["#%d %s deleted" % (ev.seq, d) for d in deleted]
        if not lines:
            lines = ["#%d %s %s (no score moved)" % (ev.seq, ev.subject, change)]
        self._emit({"seq": ev.seq, "subject": ev.subject, "change": change,
                    "scores": scores, "deleted": deleted}, lines)

    def final(self, epoch, seq, scores, replayed):
        self._emit({"final": {"epoch": epoch.hex() if epoch else None, "seq": seq,
                              "scores": scores, "replayed": replayed}},
                   ["stopped at seq %d (%d events came by replay)" % (seq, replayed)])


class Monitor:
    def __init__(self, args):
        self.args = args
        self.cl = okrclient.Client(args.server, args.timeout)
        self.follow = [n.upper() for n in args.nodes]
        self.out = Output(args.json)
        self.epoch = None
        self.next = None          # the seq to apply next; None: no snapshot yet
        self.scores = {}          # node id -> score (millionths)
        self.kr_objective = {}    # KR id -> its objective, to drop KRs with it
        self.sub = None
        self.last_heartbeat = time.monotonic()
        self.replayed = 0         # events applied from Replay rather than live

    # ------------------------------------------------------------ requests

    def request(self, fill):
        req = self.cl.new_request()
        fill(req)
        return self.cl.call(req, self.args.retries)

    def status(self):
        def fill(req):
            req.status.SetInParent()   # an empty body: select it explicitly
        return self.request(fill).status

    # ------------------------------------------------------------ the stream

    def subscribe(self):
        endpoint = self.args.events or self.status().event_endpoint
        self.sub = self.cl.ctx.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        if self.args.rcvhwm:                      # a tiny queue: for testing gap filling
            self.sub.setsockopt(zmq.RCVHWM, self.args.rcvhwm)
            self.sub.setsockopt(zmq.RCVBUF, 1024)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"hb")
        for node in self.follow:
            self.sub.setsockopt(zmq.SUBSCRIBE, ("node/%s/" % node).encode())
        if not self.follow:
            self.sub.setsockopt(zmq.SUBSCRIBE, b"all")
        self.sub.connect(endpoint)

    def snapshot_pages(self):
        """Every page of one snapshot; None when a cursor was lost (start
        again). Raises Unreachable."""
        pages, cursor, nxt = [], None, None
        while True:
            def fill(req):
                req.snapshot.SetInParent()
                if self.args.page_limit:
                    req.snapshot.limit = self.args.page_limit
                if cursor is not None:
                    req.snapshot.cursor = cursor
                    req.snapshot.next = nxt
            resp = self.request(fill)
            if resp.error.code == okr_pb2.NOT_FOUND and cursor is not None:
                return None                      # expired, map grew, okrd restarted
            if resp.error.code == okr_pb2.RESOURCE_EXHAUSTED:
                time.sleep(1)                    # all cursors busy: try again
                return None
            if resp.error.code != okr_pb2.OK:
                raise RuntimeError("snapshot refused: %s" % resp.error.message)
            page = resp.snapshot
            pages.append(page)
            if not page.more:
                return pages
            cursor, nxt = page.cursor, page.next

    def snapshot(self):
        pages = None
        while pages is None:
            pages = self.snapshot_pages()
        first = pages[0]
        new_epoch = self.epoch is not None and self.epoch != first.epoch
        self.scores, self.kr_objective = {}, {}
        for page in pages:
            for o in page.objectives:
                self.scores[o.id] = o.score
            for k in page.krs:
                self.scores[k.id] = k.score
                self.kr_objective[k.id] = k.objective
        self.epoch, self.next = first.epoch, first.seq + 1
        self.out.snapshot(first.epoch, first.seq, len(self.scores), len(pages), new_epoch)
        self.catch_up()

    def catch_up(self):
        """Replay from the last seq applied until the log's end."""
        while self.next is not None:
            def fill(req):
                req.replay.after_seq = self.next - 1
                req.replay.nodes.extend(self.follow)
            resp = self.request(fill)
            if resp.error.code in (okr_pb2.NOT_FOUND, okr_pb2.INVALID_ARGUMENT):
                sys.stderr.write("monitor: replay refused (%s): taking a snapshot\n"
                                 % resp.error.message)
                return self.snapshot()
            if resp.error.code != okr_pb2.OK:
                raise RuntimeError("replay refused: %s" % resp.error.message)
            events = resp.events
            if events.epoch != self.epoch:
                return self.snapshot()
            for ev in events.events:
                if ev.seq >= self.next:          # the replay vouches for what it skipped
                    self.apply(ev)
                    self.replayed += 1
            self.next = max(self.next, events.through_seq + 1)
            self.check_until()
            if events.last_seq < self.next:
                return

    def apply(self, ev):
        self.next = ev.seq + 1
        change = ev.change.WhichOneof("body") or "?"
        deleted = self.forget_deleted(ev, change)
        if change == "kr_add":
            self.kr_objective[ev.subject] = ev.change.kr_add.kr.objective.upper()
        if change in ("kr_add", "objective_add"):
            self.scores.setdefault(ev.subject, 0)
        for s in ev.scores:
            self.scores[s.node] = s.new_score
        self.out.event(ev, change, deleted)

    def forget_deleted(self, ev, change):
        """A deleted node is in the event's subject and nodes, never in its
        scores: drop it (and an objective's KRs) here."""
        if change == "kr_delete":
            gone = [ev.subject]
        elif change == "objective_delete":
            gone = [ev.subject] + sorted(k for k, o in self.kr_objective.items()
                                         if o == ev.subject)
        else:
            return []
        for node in gone:
            self.scores.pop(node, None)
            self.kr_objective.pop(node, None)
        return gone

    def check_until(self):
        if self.args.until is not None and self.next is not None \
                and self.next > self.args.until:
            raise Stop()

    def on_message(self, topic, body):
        if topic == b"hb":
            hb = okr_pb2.Heartbeat()
            hb.ParseFromString(body)
            self.last_heartbeat = time.monotonic()
            if self.next is None or hb.epoch != self.epoch:
                return self.snapshot()
            if hb.seq >= self.next:
                return self.catch_up()
            return None
        ev = okr_pb2.Event()
        ev.ParseFromString(body)
        if self.next is None or ev.seq < self.next:
            return None                          # a repeat (or before our snapshot)
        if ev.seq == self.next:
            self.apply(ev)
            return self.check_until()
        return self.catch_up()                   # a gap, or a followed node's next event

    def check_silence(self):
        """No heartbeat for a while: okrd may be down, or this subscriber
        too slow (PUB drops heartbeats as well). A request tells which."""
        if (time.monotonic() - self.last_heartbeat) * 1000 < HEARTBEAT_SILENCE_MS:
            return
        self.last_heartbeat = time.monotonic()
        req = self.cl.new_request()
        req.status.SetInParent()
        resp = self.cl.send_once(req)
        if resp is None:
            sys.stderr.write("monitor: no heartbeat and no reply: okrd is down or "
                             "unreachable (waiting; ZeroMQ reconnects by itself)\n")
            return
        sys.stderr.write("monitor: no heartbeat, but okrd answers: catching up\n")
        if self.next is None or resp.status.epoch != self.epoch:
            return self.snapshot()
        return self.catch_up()

    def step(self):
        """One turn of the loop; okrd not answering is waited out."""
        try:
            if self.next is None:
                self.snapshot()
            if self.sub.poll(500, zmq.POLLIN):
                while self.sub.poll(0, zmq.POLLIN):
                    frames = self.sub.recv_multipart()
                    if len(frames) == 2:
                        self.on_message(frames[0], frames[1])
            self.check_silence()
        except okrclient.Unreachable as e:
            sys.stderr.write("monitor: %s; waiting for okrd\n" % e)

    def run(self, stopping):
        self.subscribe()
        self.snapshot()
        try:
            self.check_until()
            while not stopping():
                self.step()
        except Stop:
            pass
        final = self.scores
        if self.follow:
            final = {n: s for n, s in self.scores.items() if n in self.follow}
        self.out.final(self.epoch, (self.next or 1) - 1, final, self.replayed)

    def close(self):
        if self.sub is not None:
            self.sub.close(0)
        self.cl.close()


def parse_args(argv):
    p = argparse.ArgumentParser(description="Print okrd's score changes as they happen.")
    p.add_argument("--server", default="tcp://127.0.0.1:7411",
                   help="okrd's request endpoint (default tcp://127.0.0.1:7411)")
    p.add_argument("--events", help="okrd's event endpoint (default: Status.event_endpoint)")
    p.add_argument("--timeout", type=int, default=2000, metavar="MS",
                   help="wait for each try of a request (default 2000)")
    p.add_argument("--retries", type=int, default=3, metavar="N",
                   help="tries of a read before waiting for okrd (default 3)")
    p.add_argument("--page-limit", type=int, default=0, metavar="N",
                   help="items per snapshot page (default: the server's)")
    p.add_argument("--until", type=int, metavar="SEQ", help="stop once SEQ is applied")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--rcvhwm", type=int, default=0, metavar="N",
                   help="receive queue of the SUB socket, in messages (testing)")
    p.add_argument("nodes", nargs="*", metavar="NODE", help="follow only these (O12, K40)")
    args = p.parse_args(argv)
    if args.timeout <= 0 or args.retries <= 0 or args.page_limit < 0:
        p.error("--timeout and --retries must be positive, --page-limit not negative")
    return args


def main(argv):
    args = parse_args(argv)
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.append(True))
    m = Monitor(args)
    try:
        m.run(lambda: bool(stop))
    except okrclient.Unreachable as e:
        sys.stderr.write("monitor: %s\n" % e)
        return okrclient.EXIT_UNREACHABLE
    finally:
        m.close()
    return okrclient.EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
