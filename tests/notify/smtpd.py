#!/usr/bin/python3
"""smtpd.py — a scriptable SMTP server on loopback for klartext's notify tests (aiosmtpd).

usage: smtpd.py --dir DIR --port-file FILE [--reject ADDR]... [--defer ADDR]...
                [--drop-once ADDR]... [--script ADDR=STEP,STEP...]...
                [--tls-cert PEM --tls-key PEM [--require-tls]] [--auth USER:PASSWORD]
                [--delay MS] [--max-sessions M [--refuse close]] [--close-after K] [--quit-after K]

Listens on 127.0.0.1 on a free port and writes the port to FILE. Every accepted message is
written to DIR/NNNNNN.eml exactly as received, and DIR/log.jsonl gets one line per message:
{"n": 1, "from": "...", "rcpt": ["..."], "message_id": "<...>", "held": 1} (held: with --delay, the
messages waiting for their reply when this one began to wait, this one included: more than 1
shows messages carried at once, whatever the machine's speed).
  --reject ADDR     RCPT TO:<ADDR> gets "550 5.1.1 mailbox unavailable" (permanent)
  --defer ADDR      RCPT TO:<ADDR> gets "451 4.3.0 try again later" the first time only
  --drop-once ADDR  the first message for ADDR: the connection is dropped after the message
                    was received, before the reply (the message is NOT kept), so the client
                    cannot know whether it arrived
  --script ADDR=STEP,STEP...
                    each attempt to send to ADDR (each RCPT TO:<ADDR>) takes the next step; the
                    last one repeats. Steps: ok (accepted); rcpt:CODE (CODE, e.g. 451 or 550, is
                    the reply to RCPT TO); data:CODE (CODE, e.g. 452 or 554, is the reply after
                    the message; it is not kept); drop (the connection is dropped after the
                    message was received, before the reply; not kept). Every attempt of a
                    scripted address is logged to DIR/attempts.jsonl:
                    {"rcpt": "...", "step": "...", "message_id": "<...>" or ""}
  --tls-cert/--tls-key  offer STARTTLS; --require-tls refuses mail without it
  --auth USER:PASSWORD  require AUTH (PLAIN/LOGIN) with these credentials
  --delay MS        wait MS milliseconds before answering the end of each message (a slow relay)
  --max-sessions M  at most M connections at once: another one is greeted with
                    "421 4.7.0 too many connections" and closed (--refuse close: closed at once,
                    without a greeting)
  --close-after K   after K messages in one connection, MAIL FROM gets "421 4.7.0 too many
                    messages in one connection" and the connection is closed
  --quit-after K    after the reply to the K-th message of a connection, the server closes the
                    connection without a word
Connections are logged to DIR/sessions.jsonl: {"event": "open", "active": N} when one is
accepted (N: connections open at once, this one included; refused ones are not counted) and
{"event": "close", "messages": K} when it ends, with the messages accepted on it.
Stops on SIGTERM or SIGINT. Run it with /usr/bin/python3 (Debian's aiosmtpd).
"""
import argparse
import asyncio
import email.parser
import email.policy
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.dir = args.dir
        self.reject = set(a.lower() for a in args.reject)
        self.defer = set(a.lower() for a in args.defer)
        self.drop_once = set(a.lower() for a in args.drop_once)
        self.deferred = set()
        self.dropped = set()
        self.script = {}
        for spec in args.script:
            addr, steps = spec.split('=', 1)
            self.script[addr.lower()] = steps.split(',')
        self.attempt = {}
        self.n = 0
        self.delay = args.delay / 1000.0
        self.waiting = 0  # messages in their --delay now
        self.close_after = args.close_after
        self.quit_after = args.quit_after
        self.active = 0
        os.makedirs(self.dir, exist_ok=True)
        self.log = open(os.path.join(self.dir, 'log.jsonl'), 'a', buffering=1)
        self.attempts = open(os.path.join(self.dir, 'attempts.jsonl'), 'a', buffering=1)
        self.sessions = open(os.path.join(self.dir, 'sessions.jsonl'), 'a', buffering=1)

    def next_step(self, a):
        steps = self.script[a]
        k = self.attempt.get(a, 0)
        self.attempt[a] = k + 1
        return steps[min(k, len(steps) - 1)]

    def log_attempt(self, rcpt, step, data):
        mid = ''
        if data is not None:
            mid = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data).get('Message-ID', '')
        self.attempts.write(json.dumps({'rcpt': rcpt, 'step': step, 'message_id': mid}) + '\n')

    @staticmethod
    def content(envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode('utf-8', 'surrogateescape')
        return data

    def session_event(self, **kw):
        self.sessions.write(json.dumps(kw) + '\n')

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.close_after and getattr(session, 'kt_messages', 0) >= self.close_after:
            asyncio.get_event_loop().call_soon(server.transport.close)
            return '421 4.7.0 too many messages in one connection, closing'
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return '250 OK'

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        a = address.lower()
        if a in self.script:
            step = self.next_step(a)
            if step.startswith('rcpt:'):
                self.log_attempt(address, step, None)
                return '%s %s.0.0 <%s>: scripted reply' % (step[5:], step[5], address)
            if not hasattr(envelope, 'kt_steps'):
                envelope.kt_steps = {}
            envelope.kt_steps[a] = step
        if a in self.reject:
            return '550 5.1.1 <%s>: mailbox unavailable' % address
        if a in self.defer and a not in self.deferred:
            self.deferred.add(a)
            return '451 4.3.0 <%s>: try again later' % address
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        for r, step in getattr(envelope, 'kt_steps', {}).items():
            self.log_attempt(r, step, self.content(envelope))
            if step == 'drop':
                server.transport.abort()
                return '250 OK'   # never reaches the client
            if step.startswith('data:'):
                return '%s %s.0.0 scripted reply after the message' % (step[5:], step[5])
        for r in envelope.rcpt_tos:
            a = r.lower()
            if a in self.drop_once and a not in self.dropped:
                self.dropped.add(a)
                server.transport.abort()
                return '250 OK'   # never reaches the client
        held = 0
        if self.delay:
            self.waiting += 1
            held = self.waiting
            try:
                await asyncio.sleep(self.delay)
            finally:
                self.waiting -= 1
        self.n += 1
        session.kt_messages = getattr(session, 'kt_messages', 0) + 1
        if self.quit_after and session.kt_messages >= self.quit_after:
            asyncio.get_event_loop().call_soon(server.transport.close)
        data = self.content(envelope)
        with open(os.path.join(self.dir, '%06d.eml' % self.n), 'wb') as f:
            f.write(data)
        hdr = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)
        self.log.write(json.dumps({'n': self.n, 'from': envelope.mail_from, 'rcpt': envelope.rcpt_tos,
                                   'message_id': hdr.get('Message-ID', ''), 'held': held}) + '\n')
        return '250 2.0.0 Ok: queued as T%06d' % self.n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--reject', action='append', default=[])
    ap.add_argument('--defer', action='append', default=[])
    ap.add_argument('--drop-once', action='append', default=[])
    ap.add_argument('--script', action='append', default=[])
    ap.add_argument('--tls-cert')
    ap.add_argument('--tls-key')
    ap.add_argument('--require-tls', action='store_true')
    ap.add_argument('--auth')
    ap.add_argument('--delay', type=int, default=0)
    ap.add_argument('--max-sessions', type=int, default=0)
    ap.add_argument('--refuse', choices=['421', 'close'], default='421')
    ap.add_argument('--close-after', type=int, default=0)
    ap.add_argument('--quit-after', type=int, default=0)
    args = ap.parse_args()

    handler = Handler(args)
    ctx = None
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
    kw = {}
    if args.auth:
        user, pw = args.auth.split(':', 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and \
                auth_data.password.decode() == pw
            # handled=False: a failure is answered 535 (with the default, the client would wait)
            return AuthResult(success=ok, handled=False)
        kw = dict(authenticator=authenticator, auth_required=True, auth_require_tls=bool(ctx))

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    class Session(SMTP):
        """counts the connections open at once; refuses those over --max-sessions"""
        kt_refused = kt_counted = False

        def connection_made(self, transport):
            if self.transport is None:  # a new connection (not the one after STARTTLS)
                if args.max_sessions and handler.active >= args.max_sessions:
                    self.kt_refused = True
                    if args.refuse == 'close':
                        transport.abort()
                        return
                else:
                    self.kt_counted = True
                    handler.active += 1
                    handler.session_event(event='open', active=handler.active)
            super().connection_made(transport)

        def connection_lost(self, error):
            if self.kt_refused and args.refuse == 'close':
                return
            if self.kt_counted:
                self.kt_counted = False
                handler.active -= 1
                handler.session_event(event='close', messages=getattr(self.session, 'kt_messages', 0))
            super().connection_lost(error)

        async def _handle_client(self):
            if self.kt_refused:
                await self.push('421 4.7.0 too many connections, try again later')
                self.transport.close()
                return
            await super()._handle_client()

    def factory():
        return Session(handler, hostname='smtp.test.invalid', tls_context=ctx,
                       require_starttls=args.require_tls, data_size_limit=8 << 20, **kw)

    server = loop.run_until_complete(loop.create_server(factory, '127.0.0.1', 0))
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % port)
    os.rename(tmp, args.port_file)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
