"""A real SMTP server for the e-mail tests (scripts/smtp-test-server.sh starts and stops it).

Debian's aiosmtpd (python3-aiosmtpd) on 127.0.0.1, two listeners sharing one handler:
  --port      plain TCP that offers STARTTLS and requires it before AUTH and MAIL;
  --tls-port  implicit TLS (SMTPS) from the first byte.
Both require AUTH (PLAIN or LOGIN) with the user and password given in the environment
(BRM_SMTP_USER, BRM_SMTP_PASSWORD); a wrong pair gets 535.

What the tests control, through files in --dir (read on every connection or command):
  DIR/reject  addresses (one a line, any case) whose RCPT gets 550 5.1.1;
  DIR/down    while it exists, every new connection gets "421" and is closed.
With --owner-pid (BRM_SMTP_OWNER_PID in the .sh), the server ends and removes DIR once
that process is gone: a test binary that started its own server leaves nothing behind.
Every accepted message is written to DIR/mail/ as one .eml (temp file, then rename),
named by arrival: <nanoseconds since the epoch>-<counter>.eml. Two headers are put in
front of the message as received: X-BRM-Envelope-From and X-BRM-Envelope-To.
"""

import argparse
import asyncio
import itertools
import os
import shutil
import signal
import ssl
import sys
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, folder, user, password):
        self.folder = folder
        self.mail = os.path.join(folder, "mail")
        os.makedirs(self.mail, exist_ok=True)
        self.user = user.encode()
        self.password = password.encode()
        self.counter = itertools.count(1)

    def rejected(self):
        try:
            with open(os.path.join(self.folder, "reject"), encoding="utf-8") as f:
                return {line.strip().lower() for line in f if line.strip()}
        except FileNotFoundError:
            return set()

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected():
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        head = (
            f"X-BRM-Envelope-From: {envelope.mail_from}\r\n"
            f"X-BRM-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        name = f"{time.time_ns():020d}-{next(self.counter):06d}.eml"
        tmp = os.path.join(self.mail, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(head + envelope.original_content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.mail, name))
        return "250 2.0.0 Message accepted for delivery"


class Server(SMTP):
    """aiosmtpd's SMTP with an outage switch: DIR/down makes it greet with 421 and hang up."""

    down_file = None

    async def _handle_client(self):
        if self.down_file and os.path.exists(self.down_file):
            await self.push("421 4.3.2 Service not available, closing transmission channel")
            self.transport.close()
            return
        await super()._handle_client()


async def watch_owner(pid, folder, stop):
    while True:
        await asyncio.sleep(0.5)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            stop.set()
            return
        except PermissionError:
            pass


def tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls-port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--owner-pid", type=int, default=0)
    args = p.parse_args()

    handler = Handler(args.dir, os.environ["BRM_SMTP_USER"], os.environ["BRM_SMTP_PASSWORD"])
    Server.down_file = os.path.join(args.dir, "down")
    ctx = tls_context(args.cert, args.key)
    loop = asyncio.get_running_loop()
    common = dict(
        hostname="brm-smtp-teste.localhost",
        authenticator=handler.authenticator,
        auth_required=True,
        loop=loop,
    )

    def starttls_server():
        return Server(handler, tls_context=ctx, require_starttls=True, auth_require_tls=True, **common)

    def smtps_server():
        # The connection is TLS from the start; aiosmtpd only counts STARTTLS as "TLS", so
        # its own "AUTH needs TLS" check is switched off here (it would answer 538).
        return Server(handler, auth_require_tls=False, **common)

    starttls = await loop.create_server(starttls_server, "127.0.0.1", args.port, reuse_address=True)
    smtps = await loop.create_server(smtps_server, "127.0.0.1", args.tls_port, ssl=ctx, reuse_address=True)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.owner_pid:
        loop.create_task(watch_owner(args.owner_pid, args.dir, stop))
    print(f"ouvindo em 127.0.0.1:{args.port} (STARTTLS) e 127.0.0.1:{args.tls_port} (TLS)", flush=True)
    await stop.wait()
    # Close the listeners and leave: open client connections (a pooled sender keeps one)
    # die with the process, where wait_closed() would wait for them.
    for s in (starttls, smtps):
        s.close()


if __name__ == "__main__":
    # aiosmtpd warns that AUTH without TLS is unsafe: the SMTPS listener is TLS throughout.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    sys.exit(asyncio.run(main()))
