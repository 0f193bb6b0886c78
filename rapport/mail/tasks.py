"""Background tasks of the e-mail channel. Tasks take ids and are safe to run twice."""

from django_tasks import task


@task()
def acknowledge_task(message_id: int, mailbox_id: int | None) -> bool:
    from rapport.tickets.models import Message

    from .models import Mailbox
    from .transport import acknowledge

    message = (
        Message.objects.select_related("ticket", "ticket__customer").filter(pk=message_id).first()
    )
    if message is None:
        return False
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first() if mailbox_id else None
    return acknowledge(message, mailbox) is not None
