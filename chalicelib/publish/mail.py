"""Mail to customers who asked for it, through Amazon SES, each with a signed one-click unsubscribe link.

The link's token is the customer's id and an HMAC of it under the stage's unsubscribe key: anyone holding a mail
may turn that customer's email off, and nothing else. No address is ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlencode

from chalicelib.observability import traced

_PURPOSE = b"cocreate unsubscribe\0"


class UnsubscribeLinks:
    def __init__(self, key: str, base_url: str) -> None:
        self._key = key.encode()
        self.base_url = base_url.rstrip("/")

    def _signature(self, customer_id: str) -> str:
        digest = hmac.digest(self._key, _PURPOSE + customer_id.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def token(self, customer_id: str) -> str:
        named = base64.urlsafe_b64encode(customer_id.encode()).decode().rstrip("=")
        return f"{named}.{self._signature(customer_id)}"

    def link(self, customer_id: str) -> str:
        return f"{self.base_url}/unsubscribe?{urlencode({'token': self.token(customer_id)})}"

    def customer(self, token: str) -> str | None:
        """Whose token it is; None when it is not one this stage signed."""
        named, _, signature = token.partition(".")
        try:
            customer_id = base64.urlsafe_b64decode(named + "=" * (-len(named) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return customer_id if hmac.compare_digest(signature, self._signature(customer_id)) else None


class Mail(NamedTuple):
    to: str
    subject: str
    text: str
    unsubscribe: str  # the one-click link


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


@traced
class SesMailer:
    def __init__(self, client: Any, sender: str) -> None:
        self.client = client
        self.sender = sender

    def send(self, mail: Mail) -> None:
        # Imported here: the email package costs a cold start 20 ms, and only the function that notifies sends mail.
        import email.policy
        from email.message import EmailMessage

        # Lines up to SMTP's own limit: a shorter one folds the unsubscribe link into encoded words clients skip.
        message = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["List-Unsubscribe"] = f"<{mail.unsubscribe}>"
        message.set_content(f"{mail.text}\n\n--\nNo more email from cocreate: {mail.unsubscribe}\n")
        self.client.send_raw_email(Source=self.sender, Destinations=[mail.to], RawMessage={"Data": message.as_bytes()})
