"""okrclient.py — the request side of an okrd client in Python, built only
from proto/okr.proto (okr_pb2, generated with `protoc --python_out`) and
pyzmq: one DEALER socket, request ids, bounded waits, and the Lazy Pirate
retry (close, reopen, send again) for requests that are safe to repeat.

Shared by monitor.py and checkin.py; see README.md for how to generate
okr_pb2 and where the protocol is described.
"""

import getpass
import secrets
import sys
import time

import zmq

try:
    import okr_pb2
except ImportError:  # pragma: no cover - a setup problem, said plainly
    sys.stderr.write(
        "okr_pb2 not found: generate it with\n"
        "  protoc --python_out=DIR -Iproto proto/okr.proto\n"
        "and put DIR on PYTHONPATH (see examples/python/README.md)\n")
    sys.exit(2)

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3

MAX_REPLY_BYTES = 64 * 1024 * 1024   # okr's ZMQ_MAXMSGSIZE for replies


class Unreachable(Exception):
    """No reply on any try."""


def new_request_id():
    """A random non-zero 63-bit id: unique enough to find our own request in
    the event log later (each Event keeps the Request that made it)."""
    return secrets.randbits(63) or 1


def error_name(code):
    return okr_pb2.ErrorCode.Name(code)


class Client:
    """One DEALER connection to okrd's request socket."""

    def __init__(self, endpoint, timeout_ms=2000, ctx=None):
        self.endpoint = endpoint
        self.timeout_ms = timeout_ms
        self.ctx = ctx or zmq.Context.instance()
        self.user = _login_name()
        self.sock = None

    def _open(self):
        if self.sock is None:
            s = self.ctx.socket(zmq.DEALER)
            s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.MAXMSGSIZE, MAX_REPLY_BYTES)
            s.connect(self.endpoint)
            self.sock = s
        return self.sock

    def reset(self):
        """Close the socket (dropping what is queued on it); the next call
        opens a fresh connection. Lazy Pirate's "reconnect"."""
        if self.sock is not None:
            self.sock.close(0)
            self.sock = None

    def close(self):
        self.reset()

    def new_request(self):
        req = okr_pb2.Request()
        req.version = okr_pb2.PROTOCOL_VERSION_1
        if self.user:
            req.user = self.user
        return req

    def send_once(self, req, timeout_ms=None):
        """Send req as one frame and wait for the Response with its
        request_id (replies with other ids, late answers to requests given
        up on, are dropped). Returns the Response, or None on timeout (the
        socket is then reset: a late reply must not be read as another's)."""
        if not req.request_id:
            req.request_id = new_request_id()
        sock = self._open()
        sock.send(req.SerializeToString())
        wait = self.timeout_ms if timeout_ms is None else timeout_ms
        deadline = _now_ms() + wait
        while True:
            left = deadline - _now_ms()
            if left <= 0 or not sock.poll(left, zmq.POLLIN):
                self.reset()
                return None
            frames = sock.recv_multipart()
            resp = okr_pb2.Response()
            try:
                resp.ParseFromString(frames[-1])
            except Exception:   # not a Response: not ours either
                continue
            if resp.request_id == req.request_id:
                return resp

    def call(self, req, tries=3):
        """A request that is safe to repeat (a read): Lazy Pirate, `tries`
        waits of timeout_ms, each on a fresh connection. Raises Unreachable."""
        for _ in range(max(1, tries)):
            resp = self.send_once(req)
            if resp is not None:
                return resp
        raise Unreachable("no reply from %s in %d tries of %d ms"
                          % (self.endpoint, tries, self.timeout_ms))


def _login_name():
    """The actor name local mode records (Request.user); None when unknown."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _now_ms():
    return int(time.monotonic() * 1000)


def fmt_score(millionths):
    """Scores are exact integers in millionths: print them exactly."""
    sign = "-" if millionths < 0 else ""
    m = abs(millionths)
    return "%s%d.%06d" % (sign, m // 1000000, m % 1000000)
