"""Annotated examples for the `notifications` category (see auth.py for the annotations)."""

import smtplib
from email.message import EmailMessage


# category: notifications
def send_email(smtp_host, sender, recipients, subject, body):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(smtp_host) as smtp:
        smtp.starttls()
        smtp.send_message(message)


# category: none
def percentile(values, pct):
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)
