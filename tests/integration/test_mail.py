"""A notification's mail as SES receives it: from the stack's address, to the customer's, under its subject, with
its one-click unsubscribe link in a header (unfolded, however long) and in the text."""

from email import message_from_string

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.publish.mail import Mail, SesMailer

LINK = "http://127.0.0.1:8000/unsubscribe?token=" + "a" * 120  # longer than a header line folds at by default


def test_a_mail_is_from_the_stack_to_the_customer_and_carries_its_unsubscribe_link(aws, local_environment):
    sender = local_environment["COCREATE_MAIL_FROM"]
    mailer = SesMailer(aws.client("ses"), sender)
    mailer.send(
        Mail(to="ada@example.com", subject="Roof rack: under review", text="The team is on it.", unsubscribe=LINK)
    )

    (sent,) = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert (sent.source, set(sent.destinations)) == (sender, {"ada@example.com"})  # (moto lists it twice)
    message = message_from_string(sent.raw_data)
    assert (message["From"], message["To"], message["Subject"]) == (
        sender,
        "ada@example.com",
        "Roof rack: under review",
    )
    assert f"\nList-Unsubscribe: <{LINK}>\r\n" in sent.raw_data
    assert message.get_payload() == f"The team is on it.\r\n\r\n--\r\nNo more email from cocreate: {LINK}\r\n"
