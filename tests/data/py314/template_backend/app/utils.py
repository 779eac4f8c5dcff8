import logging
import smtplib
from email.message import EmailMessage
from html import escape
from string.templatelib import Interpolation, Template

from app.core.config import settings

logger = logging.getLogger(__name__)


def html(template: Template) -> str:
    """PEP 750's own use case: interpolated values are escaped, the literal markup is not."""
    return "".join(escape(str(part.value)) if isinstance(part, Interpolation) else part for part in template)


def new_account_email(username: str, link: str) -> str:
    return html(t"<p>Welcome to {settings.PROJECT_NAME}, {username}!</p><p><a href='{link}'>Log in</a></p>")


def send_email(email_to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.EMAILS_FROM, email_to, subject
    message.set_content(body, subtype="html")
    with smtplib.SMTP(settings.SMTP_HOST) as smtp:
        smtp.send_message(message)
    logger.info(t"sent {subject!r} to {email_to}".strings[0])


def send_email_logged(email_to: str, subject: str, body: str) -> None:
    try:
        send_email(email_to, subject, body)
    except smtplib.SMTPException, OSError, Exception:
        logger.exception("email to %s failed", email_to)
