#!/usr/bin/python3
"""check_mime.py DIR — check klartext's MIME output with Python's stdlib email package.

DIR holds one sub-directory per sample (written by build/tests/test_mime with
KLARTEXT_MIME_OUT=DIR): message.eml plus the expected values as files (subject, from_name,
from_addr, to_name, to_addr, [reply_to_name, reply_to_addr], message_id, date, text,
[html], [notice.txt, notice.txt.minisig], [extra_<Header>]).

For every message: every line ends in CRLF, no line is longer than 78 characters, the
header section is ASCII; email.policy.default parses it without defects; the headers
decode to the expected values; the MIME tree has the expected layout; every part decodes to
the expected text (bodies compared with line ends normalised, attachments byte for byte).
Prints TAP ("ok N - ...") and exits 1 on any failure. Run it with /usr/bin/python3.
"""
import email
import email.header
import email.policy
import email.utils
import os
import re
import sys


def has_gh128110():
    """CPython before the fix for gh-128110 keeps the white space between two adjacent
    encoded-words inside a display name (RFC 2047 6.2 says to drop it)."""
    m = email.message_from_bytes(b'To: =?UTF-8?B?QQ==?= =?UTF-8?B?Qg==?= <a@b.example>\r\n\r\n',
                                 policy=email.policy.default)
    return m['To'].addresses[0].display_name != 'AB'


GH128110 = has_gh128110()


def legacy_display_name(raw, header):
    """the display name decoded with the RFC-correct legacy API (email.header)"""
    old = email.message_from_bytes(raw, policy=email.policy.compat32)
    v = re.sub(r'\r?\n(?=[ \t])', '', old[header]).strip()
    phrase = re.sub(r'\s*<[^<>]*>$', '', v)
    return str(email.header.make_header(email.header.decode_header(phrase)))


def read(d, name, binary=False):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return None
    with open(p, 'rb') as f:
        data = f.read()
    return data if binary else data.decode('utf-8')


def nl(s):
    return s.replace('\r\n', '\n')


class Check:
    def __init__(self):
        self.problems = []

    def eq(self, what, got, want):
        if got != want:
            self.problems.append('%s: got %r, want %r' % (what, got, want))

    def true(self, what, cond):
        if not cond:
            self.problems.append(what)


def check_lines(c, raw):
    if b'\n' in raw.replace(b'\r\n', b''):
        c.problems.append('a line ends in a bare LF')
    if b'\r' in raw.replace(b'\r\n', b''):
        c.problems.append('a bare CR')
    lines = raw.split(b'\r\n')
    for i, line in enumerate(lines, 1):
        if len(line) > 78:
            c.problems.append('line %d has %d characters: %r' % (i, len(line), line[:90]))
    head = raw.split(b'\r\n\r\n', 1)[0]
    try:
        head.decode('ascii')
    except UnicodeDecodeError:
        c.problems.append('non-ASCII byte in the header section')


def all_defects(msg):
    out = []
    for part in msg.walk():
        out += [repr(d) for d in part.defects]
        for name, value in part.items():
            out += ['%s: %r' % (name, d) for d in getattr(value, 'defects', ())]
    return out


def check_address(c, raw, msg, header, d, prefix):
    want_addr = read(d, prefix + '_addr')
    if want_addr is None:
        c.true('unexpected %s header' % header, msg[header] is None)
        return
    h = msg[header]
    c.true('no %s header' % header, h is not None)
    if h is None:
        return
    addrs = h.addresses
    c.eq(header + ' count', len(addrs), 1)
    if addrs:
        want = read(d, prefix + '_name')
        got = addrs[0].display_name
        if got != want and GH128110 and '?= =?' in re.sub(r'\r?\n(?=[ \t])', '', str(
                email.message_from_bytes(raw, policy=email.policy.compat32)[header])):
            got = legacy_display_name(raw, header)   # this Python has gh-128110
        c.eq(header + ' display name', got, want)
        c.eq(header + ' address', addrs[0].addr_spec, want_addr)


def check_sample(d):
    c = Check()
    raw = read(d, 'message.eml', binary=True)
    check_lines(c, raw)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = all_defects(msg)
    c.eq('defects', defects, [])

    c.eq('Subject', str(msg['Subject']), read(d, 'subject'))
    check_address(c, raw, msg, 'From', d, 'from')
    check_address(c, raw, msg, 'To', d, 'to')
    check_address(c, raw, msg, 'Reply-To', d, 'reply_to')
    mid = read(d, 'message_id')
    c.eq('Message-ID', str(msg['Message-ID']), mid if mid.startswith('<') else '<%s>' % mid)
    c.eq('MIME-Version', str(msg['MIME-Version']), '1.0')
    c.eq('Date', msg['Date'].datetime, email.utils.parsedate_to_datetime(read(d, 'date')))
    c.true('Date must be +0000', str(msg['Date']).endswith('+0000'))
    for f in sorted(os.listdir(d)):
        if f.startswith('extra_'):
            c.eq(f[6:], str(msg[f[6:]]), read(d, f))
    for name in ('Subject', 'From', 'To'):
        c.eq('count of ' + name, len(msg.get_all(name) or []), 1)

    text, html = read(d, 'text'), read(d, 'html')
    notice, sig = read(d, 'notice.txt', True), read(d, 'notice.txt.minisig', True)
    attach = notice is not None or sig is not None

    def check_body(part, ctype, want):
        c.eq('content type', part.get_content_type(), ctype)
        c.eq(ctype + ' charset', part.get_content_charset(), 'utf-8')
        c.eq(ctype + ' encoding', part['Content-Transfer-Encoding'], 'quoted-printable')
        c.eq(ctype + ' disposition', part.get_content_disposition(), None)
        c.eq(ctype + ' body', nl(part.get_content()), nl(want))

    if not attach and html is None:
        check_body(msg, 'text/plain', text)
    elif not attach:
        c.eq('top type', msg.get_content_type(), 'multipart/alternative')
        parts = list(msg.iter_parts())
        c.eq('alternative parts', [p.get_content_type() for p in parts], ['text/plain', 'text/html'])
        if len(parts) == 2:
            check_body(parts[0], 'text/plain', text)
            check_body(parts[1], 'text/html', html)
    else:
        c.eq('top type', msg.get_content_type(), 'multipart/mixed')
        parts = list(msg.iter_parts())
        want = ['multipart/alternative' if html is not None else 'text/plain']
        if notice is not None:
            want.append('text/plain')
        if sig is not None:
            want.append('application/octet-stream')
        c.eq('mixed parts', [p.get_content_type() for p in parts], want)
        if [p.get_content_type() for p in parts] == want:
            if html is not None:
                alt = list(parts[0].iter_parts())
                c.eq('alternative parts', [p.get_content_type() for p in alt],
                     ['text/plain', 'text/html'])
                if len(alt) == 2:
                    check_body(alt[0], 'text/plain', text)
                    check_body(alt[1], 'text/html', html)
            else:
                check_body(parts[0], 'text/plain', text)
            atts = parts[1:]
            names = [a.get_filename() for a in atts]
            c.eq('attachment names', names,
                 [n for n, v in (('notice.txt', notice), ('notice.txt.minisig', sig)) if v is not None])
            for a in atts:
                want_bytes = notice if a.get_filename() == 'notice.txt' else sig
                c.eq(a.get_filename() + ' disposition', a.get_content_disposition(), 'attachment')
                c.eq(a.get_filename() + ' encoding', a['Content-Transfer-Encoding'], 'base64')
                c.eq(a.get_filename() + ' bytes', a.get_payload(decode=True), want_bytes)
            if notice is not None:
                c.eq('notice.txt charset', atts[0].get_content_charset(), 'utf-8')
    # boundaries: "=_" inside, and never in any decoded content
    for part in msg.walk():
        b = part.get_boundary()
        if b:
            c.true('boundary %r lacks "=_"' % b, '=_' in b)
            c.eq('boundary %r occurrences' % b, raw.count(b'--' + b.encode() + b'\r\n') >= 1, True)
    return c.problems


def main():
    if len(sys.argv) != 2:
        print('usage: check_mime.py DIR', file=sys.stderr)
        return 2
    base = sys.argv[1]
    samples = sorted((d for d in os.listdir(base) if os.path.isdir(os.path.join(base, d))), key=int)
    n = failed = 0
    if not samples:
        print('not ok 1 - no samples in %s' % base)
        return 1
    if GH128110:
        print('# this Python has gh-128110: adjacent encoded-words in display names are '
              'checked with email.header')
    for s in samples:
        n += 1
        problems = check_sample(os.path.join(base, s))
        if problems:
            failed += 1
            print('not ok %d - sample %s' % (n, s))
            for p in problems[:20]:
                print('#   ' + p)
        else:
            print('ok %d - sample %s' % (n, s))
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
