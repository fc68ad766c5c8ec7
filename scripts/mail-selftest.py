#!/usr/bin/env python3
"""Check the test mail servers started by scripts/mail.sh (Postfix 127.0.0.1:2525, Dovecot IMAP
127.0.0.1:1143; TLS on imaps 1993 and smtps 2465, STARTTLS on 1143 and 2525, all verified
against the private CA in the state dir). Exits non-zero on the first failure.

  scripts/mail-selftest.py             SMTP → IMAP with Cyrillic text, external mail bounced, IDLE,
                                       TLS and STARTTLS with the CA (and refused without it)
  scripts/mail-selftest.py --restart   also: mail.sh stop + start, and a second start is a no-op

Leaves existing mail alone (each check uses its own token), so it can run next to other tests.
"""
import imaplib
import os
import re
import smtplib
import socket
import ssl
import subprocess
import sys
import time
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

HOST = "127.0.0.1"
SMTP_PORT = 2525
IMAP_PORT = 1143
IMAPS_PORT = 1993
SMTPS_PORT = 2465
STATE = os.environ.get("LOSSLESS_MAIL_DIR", "/var/tmp/lossless-mail")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIL_SH = os.path.join(ROOT, "scripts", "mail.sh")
USERS = [
    "support@lossless.test",
    "sales@lossless.test",
    "customer@customer.test",
    "other@customer.test",
    "bulk@lossless.test",
    "bench@lossless.test",
    "tls@lossless.test",
]


def password(user):
    return user.split("@")[0] + "-pw"


def ok(msg):
    print(f"ok   {msg}", flush=True)


def fail(msg):
    print(f"FAIL {msg}", flush=True)
    sys.exit(1)


def send(sender, to, subject, body, token):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["X-Lossless-Selftest"] = token
    msg["Message-ID"] = f"<{token}@selftest.lossless.test>"
    msg.set_content(body)
    with smtplib.SMTP(HOST, SMTP_PORT, timeout=10) as s:
        s.send_message(msg)


def imap(user):
    m = imaplib.IMAP4(HOST, IMAP_PORT, timeout=10)
    m.login(user, password(user))
    return m


def find(user, token, timeout, header="X-Lossless-Selftest"):
    """Parsed messages in user's INBOX whose header/body holds token, polling up to timeout s."""
    deadline = time.monotonic() + timeout
    m = imap(user)
    try:
        while True:
            m.select("INBOX")
            if header:
                typ, data = m.search(None, "HEADER", header, token)
            else:
                typ, data = m.search(None, "TEXT", token)
            ids = data[0].split() if typ == "OK" else []
            if ids or time.monotonic() >= deadline:
                msgs = []
                for i in ids:
                    _, d = m.fetch(i, "(RFC822)")
                    msgs.append(BytesParser(policy=policy.default).parsebytes(d[0][1]))
                return msgs
            time.sleep(0.05)
    finally:
        m.logout()


def check_roundtrip(sender, to):
    token = uuid.uuid4().hex
    subject = f"Проверка связи: заявка №42 «тест» {token[:6]}"
    body = "Здравствуйте!\nПисьмо с кириллицей: ёжик, Щука, ЪЫЬ — и emoji ✉.\n"
    t0 = time.monotonic()
    send(sender, to, subject, body, token)
    msgs = find(to, token, 2.0)
    dt = time.monotonic() - t0
    if len(msgs) != 1:
        fail(f"{sender} → {to}: expected 1 message via IMAP within 2 s, found {len(msgs)}")
    got = msgs[0]
    if str(got["Subject"]) != subject:
        fail(f"{to}: subject mangled: {got['Subject']!r} != {subject!r}")
    text = got.get_body(("plain",)).get_content()
    if text.replace("\r\n", "\n") != body:
        fail(f"{to}: body mangled: {text!r} != {body!r}")
    ok(f"{sender} → {to}: SMTP → IMAP in {dt:.2f}s, Cyrillic subject and body intact")


def check_external_bounced():
    token = uuid.uuid4().hex
    sender = "customer@customer.test"
    try:
        send(sender, "someone@example.com", "must not leave", f"token {token}\n", token)
    except smtplib.SMTPRecipientsRefused:
        ok("someone@example.com refused at SMTP time")
        return
    # Accepted from localhost, then bounced by default_transport = error:…: the bounce
    # (which quotes the original message) comes back to the sender.
    bounces = find(sender, token, 10.0, header=None)
    bounces = [b for b in bounces if "MAILER-DAEMON" in str(b["From"])]
    if not bounces:
        fail("mail to someone@example.com: no bounce came back to the sender within 10 s")
    report = bounces[0].as_string()
    if "no mail leaves this machine" not in report:
        fail("bounce does not name the error transport ('no mail leaves this machine')")
    for user in USERS:
        if user != sender and find(user, token, 0, header=None):
            fail(f"mail to someone@example.com turned up in {user}")
    try:
        q = subprocess.run(["postqueue", "-j"], capture_output=True, text=True, timeout=10).stdout
        if token in q or "example.com" in q:
            fail("mail to someone@example.com is still in Postfix's queue")
    except (OSError, subprocess.TimeoutExpired):
        pass
    ok("mail to someone@example.com bounced to the sender ('no mail leaves this machine'), not delivered")


def check_idle():
    user = "sales@lossless.test"
    sock = socket.create_connection((HOST, IMAP_PORT), timeout=5)
    f = sock.makefile("rwb", buffering=0)

    def cmd(line, until):
        f.write(line.encode() + b"\r\n")
        lines = []
        while True:
            ln = f.readline()
            if not ln:
                fail(f"IMAP closed the connection after {line.split()[1]}")
            lines.append(ln)
            if ln.startswith(until.encode()):
                return lines

    f.readline()  # greeting
    resp = cmd(f'a LOGIN "{user}" "{password(user)}"', "a ")
    if not resp[-1].startswith(b"a OK"):
        fail(f"IMAP login as {user}: {resp[-1]!r}")
    resp = cmd("b SELECT INBOX", "b ")
    exists = 0
    for ln in resp:
        mt = re.match(rb"\* (\d+) EXISTS", ln)
        if mt:
            exists = int(mt.group(1))
    resp = cmd("c IDLE", "+")
    token = uuid.uuid4().hex
    t0 = time.monotonic()
    send("customer@customer.test", user, "IDLE wake-up", "ping\n", token)
    sock.settimeout(0.2)
    got = None
    buf = b""
    while time.monotonic() - t0 < 2.0 and got is None:
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            continue
        if not chunk:
            break
        buf += chunk
        for mt in re.finditer(rb"\* (\d+) EXISTS", buf):
            if int(mt.group(1)) > exists:
                got = int(mt.group(1))
    dt = time.monotonic() - t0
    sock.settimeout(5)
    try:
        f.write(b"DONE\r\nz LOGOUT\r\n")
    except OSError:
        pass
    sock.close()
    if got is None:
        fail(f"IMAP IDLE: no '* N EXISTS' within 2 s of a send (got {buf!r})")
    ok(f"IMAP IDLE woke with '* {got} EXISTS' {dt:.2f}s after the send")


def check_bad_password():
    try:
        m = imaplib.IMAP4(HOST, IMAP_PORT, timeout=10)
        m.login("support@lossless.test", "wrong")
    except imaplib.IMAP4.error:
        ok("IMAP login with a wrong password is refused")
        return
    fail("IMAP login with a wrong password succeeded")


def ca_file():
    """The test CA made by mail.sh (a relative LOSSLESS_MAIL_DIR is under the repository)."""
    state = STATE if os.path.isabs(STATE) else os.path.join(ROOT, STATE)
    return os.path.join(state, "tls", "ca.pem")


def tls_context(with_ca=True):
    """Verifies certificates and host names; trusts the test CA (or, without it, the system's)."""
    ctx = ssl.create_default_context(cafile=ca_file()) if with_ca else ssl.create_default_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def check_tls():
    """IMAP over implicit TLS (1993) and STARTTLS (1143), SMTP over implicit TLS (2465) and
    STARTTLS (2525), each by the names the certificate carries: a mail sent over smtps arrives
    and is read over imaps; the system's roots alone refuse the certificate; a name the
    certificate does not carry is refused."""
    user = "tls@lossless.test"
    token = uuid.uuid4().hex
    ctx = tls_context()
    msg = EmailMessage()
    msg["From"] = "customer@customer.test"
    msg["To"] = user
    msg["Subject"] = f"TLS selftest {token[:6]}"
    msg["X-Lossless-Selftest"] = token
    msg.set_content("over TLS\n")
    with smtplib.SMTP_SSL("localhost", SMTPS_PORT, timeout=10, context=ctx) as s:
        s.send_message(msg)
    ok(f"SMTP implicit TLS on localhost:{SMTPS_PORT} verified with the CA; mail accepted")
    with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=10) as s:
        s.ehlo()
        if not s.has_extn("starttls"):
            fail(f"SMTP {SMTP_PORT} does not offer STARTTLS")
        s.starttls(context=ctx)
        s.ehlo()
        if s.sock.version() is None:
            fail(f"SMTP {SMTP_PORT}: STARTTLS did not encrypt")
    ok(f"SMTP STARTTLS on 127.0.0.1:{SMTP_PORT} verified with the CA (plain clients still accepted)")
    deadline = time.monotonic() + 5
    m = imaplib.IMAP4_SSL("localhost", IMAPS_PORT, ssl_context=ctx, timeout=10)
    try:
        m.login(user, password(user))
        while True:
            m.select("INBOX")
            typ, data = m.search(None, "HEADER", "X-Lossless-Selftest", token)
            ids = data[0].split() if typ == "OK" else []
            if ids or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        if len(ids) != 1:
            fail(f"the mail sent over smtps did not arrive in {user} (found {len(ids)})")
        m.store(ids[0], "+FLAGS", "\\Deleted")
        m.expunge()
    finally:
        m.logout()
    ok(f"IMAP implicit TLS on localhost:{IMAPS_PORT} verified with the CA; the smtps mail arrived")
    m = imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=10)
    try:
        m.starttls(ssl_context=ctx)
        m.login(user, password(user))
    finally:
        m.logout()
    ok(f"IMAP STARTTLS on 127.0.0.1:{IMAP_PORT} verified with the CA; login over it")
    try:
        imaplib.IMAP4_SSL("localhost", IMAPS_PORT, ssl_context=tls_context(with_ca=False), timeout=10).logout()
        fail("imaps was trusted without the test CA")
    except ssl.SSLCertVerificationError:
        ok("without the test CA the certificate is refused")
    try:
        sock = socket.create_connection(("127.0.0.1", IMAPS_PORT), timeout=10)
        ctx.wrap_socket(sock, server_hostname="mail.lossless.test").close()
        fail("the certificate was accepted for a name it does not carry")
    except ssl.SSLCertVerificationError:
        ok("the certificate is refused for a name it does not carry (mail.lossless.test)")


def run_mail_sh(arg):
    t0 = time.monotonic()
    p = subprocess.run([MAIL_SH, arg], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        fail(f"mail.sh {arg} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout, dt


def check_restart():
    _, dt_stop = run_mail_sh("stop")
    for port in (SMTP_PORT, IMAP_PORT):
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            fail(f"port {port} still answers after mail.sh stop")
        except OSError:
            pass
    out, dt_start = run_mail_sh("start")
    last = out.strip().splitlines()[-1] if out.strip() else ""
    if last != f"mail servers up: smtp {HOST}:{SMTP_PORT} imap {HOST}:{IMAP_PORT}":
        fail(f"mail.sh start: unexpected last line {last!r}")
    ok(f"mail.sh stop ({dt_stop:.1f}s) + start ({dt_start:.1f}s) works")
    check_roundtrip("support@lossless.test", "customer@customer.test")
    _, dt_again = run_mail_sh("start")
    if dt_again > 2.0:
        fail(f"second mail.sh start while running took {dt_again:.1f}s (expected a quick no-op)")
    ok(f"second mail.sh start while running is a no-op ({dt_again:.2f}s)")


def main():
    try:
        check_roundtrip("support@lossless.test", "customer@customer.test")
        check_roundtrip("customer@customer.test", "support@lossless.test")
        check_external_bounced()
        check_idle()
        check_bad_password()
        check_tls()
        if "--restart" in sys.argv[1:]:
            check_restart()
    except (OSError, smtplib.SMTPException, imaplib.IMAP4.error, ssl.SSLError) as e:
        fail(f"{type(e).__name__}: {e} (are the servers up? scripts/mail.sh start)")
    print("mail selftest passed")


if __name__ == "__main__":
    main()
