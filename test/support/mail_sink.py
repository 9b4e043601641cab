"""An SMTP server for the end-to-end suite: python mail_sink.py PORT FILE.

Listens on 127.0.0.1:PORT (aiosmtpd; plain SMTP, no login, as mailpit) and appends each message it
accepts to FILE as one JSON line: {"sender", "to", "subject", "text"}, the envelope's sender and
the text part decoded.
"""

import json
import sys
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class Sink:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = message_from_bytes(
            envelope.original_content or b"", _class=EmailMessage, policy=policy.default
        )
        text = message.get_body(("plain",))
        record = {
            "sender": envelope.mail_from,
            "to": message["To"],
            "subject": message["Subject"],
            "text": text.get_content() if isinstance(text, EmailMessage) else "",
        }
        with self.path.open("a") as out:
            out.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main() -> None:
    port, path = int(sys.argv[1]), Path(sys.argv[2])
    controller = Controller(Sink(path), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    try:
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
