"""Client for the clinic's mailbox: booking requests as plain-text e-mails over SMTP.

Uses the standard library's ``smtplib`` with an explicit timeout and STARTTLS, implicit TLS
or (local testing only) no TLS. The ``Message-ID`` is derived from the outbox id, so a
retried delivery carries the same id and mail clients can spot a duplicate.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Dict, Optional, Sequence

from actions.booking.delivery import DeliveryError


class EmailError(DeliveryError):
    """The SMTP server could not be reached or refused the message."""


def render_email(
    payload: Dict[str, Any], sender: str, recipients: Sequence[str], idempotency_key: str
) -> EmailMessage:
    """Builds the e-mail for one booking request."""
    message = EmailMessage()
    short = str(payload.get("id") or idempotency_key)[:8]
    callback = payload.get("kind") == "callback"
    if callback:
        message["Subject"] = f"Callback request {short}"
    else:
        message["Subject"] = f"New booking request {short} ({payload.get('therapy')})"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{idempotency_key}@booking.clinic-assistant>"
    if payload.get("email"):
        message["Reply-To"] = str(payload["email"])
    times = payload.get("preferred_times") or ""
    lines = [
        "A visitor asked the website assistant for a call back."
        if callback
        else "A visitor asked the website assistant to book a session.",
        "",
        f"Name:             {payload.get('name')}",
        f"Phone:            {payload.get('phone') or '-'}",
        f"E-mail:           {payload.get('email') or '-'}",
        f"Therapy:          {payload.get('therapy')}",
        f"Preferred times:  {times}",
        f"Main concern:     {payload.get('concern') or '-'}",
    ]
    if payload.get("contraindication_note"):
        lines.append(f"Safety note:      {payload['contraindication_note']}")
    if payload.get("language") == "es":
        lines.append("Language:         Spanish (the visitor chatted in Spanish)")
    lines += [
        f"Consent to be contacted: {'yes' if payload.get('consent_to_contact') else 'no'}",
        "",
        f"Request id: {payload.get('id')}",
        f"Received:   {payload.get('created_at')}",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


class SmtpClient:
    """Sends booking requests to the clinic's address."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        user: Optional[str] = None,
        password: Optional[str] = None,
        security: str = "starttls",
        timeout: float = 15.0,
    ) -> None:
        if security not in ("starttls", "ssl", "none"):
            raise ValueError(f"unknown SMTP security mode {security!r}")
        self.host = host
        self.port = port
        self.sender = sender
        self.recipients = list(recipients)
        self.user = user
        self.password = password
        self.security = security
        self.timeout = timeout

    def deliver(self, payload: Dict[str, Any], idempotency_key: str) -> None:
        """Sends one e-mail.

        Raises:
            EmailError: the server is unreachable, TLS or login failed, or it refused.
        """
        message = render_email(payload, self.sender, self.recipients, idempotency_key)
        context = ssl.create_default_context()
        try:
            if self.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.security == "starttls":
                    smtp.starttls(context=context)
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError:
            raise EmailError("smtp_auth_failed", retryable=False) from None
        except smtplib.SMTPRecipientsRefused:
            raise EmailError("smtp_recipients_refused", retryable=False) from None
        except smtplib.SMTPResponseException as error:
            raise EmailError(f"smtp_{error.smtp_code}", retryable=error.smtp_code >= 400) from None
        except smtplib.SMTPException:
            raise EmailError("smtp_error") from None
        except (OSError, ssl.SSLError):
            raise EmailError("smtp_unreachable") from None
