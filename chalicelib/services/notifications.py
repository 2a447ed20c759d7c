"""Notifications: every follower of an idea told once of each thing that happens to it, in their inbox and, if they
asked for it, by email.

The stream consumer puts a commit's notices in line in the commit's own transaction (chalicelib/store/notices.py),
off the path that counts votes. A scheduled run delivers them page by page of followers, records after each page
how far it went, and stops before its time is up; the next run goes on from there. Each notification is a
conditional put of an id made from the event, so a page delivered twice notifies nobody twice, and mail goes only
with a notification that was new. A merge's followers follow the idea it merged into too (unless they unfollowed
that one), by the same pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from chalicelib.domain.events import FollowersNotified
from chalicelib.domain.ideas import Idea
from chalicelib.domain.notifications import (
    Notice,
    Notification,
    NotificationKind,
    NotificationPage,
    NotificationQuery,
    Preferences,
    PreferencesBody,
    ReadNotifications,
    message,
)
from chalicelib.errors import InvalidInput
from chalicelib.observability import count, logger, traced
from chalicelib.publish.events import EventPublisher
from chalicelib.publish.mail import Mail, Mailer, UnsubscribeLinks
from chalicelib.services import Clock
from chalicelib.store.comments import CommentStore
from chalicelib.store.follows import FollowStore
from chalicelib.store.ideas import IdeaStore
from chalicelib.store.inbox import Inbox
from chalicelib.store.notices import NoticeJob, NoticeJobs
from chalicelib.store.preferences import PreferenceStore

# Followers a page: their preferences are one BatchGetItem, and a run records its progress after each page.
PAGE = 100

_SUBJECTS = {
    NotificationKind.STATUS_CHANGED: "news",
    NotificationKind.THRESHOLD_REACHED: "a milestone",
    NotificationKind.MERGED: "merged",
    NotificationKind.OFFICIAL_COMMENT: "the product team answered",
}


class Told(NamedTuple):
    """A notice, as its followers are told it, and who is not told (the official comment's writer)."""

    notification: Notification
    skip: str | None = None


@traced
class NotificationService:
    def __init__(
        self,
        *,
        ideas: IdeaStore,
        comments: CommentStore,
        follows: FollowStore,
        inbox: Inbox,
        preferences: PreferenceStore,
        jobs: NoticeJobs,
        events: EventPublisher,
        mailer: Mailer,
        links: UnsubscribeLinks,
        clock: Clock,
        page: int = PAGE,
    ) -> None:
        self.ideas = ideas
        self.comments = comments
        self.follows = follows
        self.inbox = inbox
        self.preferences = preferences
        self.jobs = jobs
        self.events = events
        self.mailer = mailer
        self.links = links
        self.clock = clock
        self.page = page

    # What a customer reads and decides.

    def notifications(self, customer_id: str, query: NotificationQuery) -> NotificationPage:
        items, next_cursor = self.inbox.page(customer_id, unread=query.unread, limit=query.limit, cursor=query.cursor)
        return NotificationPage(items=items, next_cursor=next_cursor, unread=self.inbox.unread(customer_id))

    def mark_read(self, customer_id: str, body: ReadNotifications) -> None:
        ids = self.inbox.unread_ids(customer_id) if body.all else body.notification_ids or []
        count("NotificationsRead", self.inbox.mark_read(customer_id, ids))

    def preferences_of(self, customer_id: str) -> Preferences:
        return self.preferences.get(customer_id)

    def set_preferences(self, customer_id: str, body: PreferencesBody) -> Preferences:
        count("EmailTurnedOn" if body.email else "EmailTurnedOff")
        return self.preferences.set(customer_id, body.email, self.clock())

    def unsubscribe(self, token: str) -> None:
        customer_id = self.links.customer(token)
        if customer_id is None:
            raise InvalidInput.of("token", "is not from a link cocreate sent")
        if self.preferences.turn_off_email(customer_id, self.clock()):
            count("Unsubscribed")

    # Delivery.

    def run(self, seconds_left: Callable[[], float] = lambda: float("inf"), margin: float = 20.0) -> int:
        """Deliver every notice in line, oldest first, until fewer than `margin` seconds are left: how many
        notifications were new."""
        delivered = 0
        for job in self.jobs.pending():
            finished, made = self._carry(job, lambda: seconds_left() > margin)
            delivered += made
            if not finished:
                logger.info("delivery stopped for lack of time: the next run goes on")
                break
        return delivered

    def _carry(self, job: NoticeJob, going_on: Callable[[], bool]) -> tuple[bool, int]:
        """Deliver the job's notices from where it stopped: whether it finished, and the notifications made."""
        made = 0
        told, told_of = None, -1  # what the notice being delivered says: read once a run
        while job.done < len(job.notices):
            if not going_on():
                return False, made
            notice = job.notices[job.done]
            if told_of != job.done:
                told, told_of = self._told(notice), job.done
            followers, start = self.follows.followers(notice.idea_id, job.start, self.page) if told else ([], None)
            new = 0
            if told:
                new = self._deliver([f for f in followers if f != told.skip], told.notification)
                if notice.merged_into:
                    self._follow_on(followers, notice.merged_into)
            made += new
            so_far = job.delivered + new
            if start is None:
                if told:  # every follower told: say so, before it is recorded (so at least once)
                    self._told_all(notice, so_far)
                advanced = self.jobs.advance(job, job.done + 1, None, 0)
            else:
                advanced = self.jobs.advance(job, job.done, start, so_far)
            if advanced is None:  # another run finished it meanwhile
                return True, made
            job = advanced
        self.jobs.finish(job)
        count("NoticesDelivered", len(job.notices))
        return True, made

    def _told_all(self, notice: Notice, notified: int) -> None:
        told = FollowersNotified(
            event_id=f"{notice.event_id}:notified",
            idea_id=notice.idea_id,
            kind=notice.kind.value,
            about=notice.event_id,
            notified=notified,
            finished_at=self.clock(),
        )
        self.events.publish([told.envelope()])

    def _told(self, notice: Notice) -> Told | None:
        """What followers are told of the notice; None when there is nothing to tell any more (the idea or the
        official comment is gone, or the comment hidden)."""
        idea = self.ideas.get(notice.idea_id)
        if idea is None:
            return None
        skip = None
        target_title = comment = None
        if notice.merged_into:
            target = self.ideas.get(notice.merged_into)
            target_title = target.title if target else None
        if notice.kind is NotificationKind.OFFICIAL_COMMENT and notice.comment_id:
            written = self.comments.get(notice.comment_id)
            if written is None or written.hidden:
                return None
            comment, skip = written.body, written.author_id
        return Told(_notification(notice, idea, message(notice, target_title=target_title, comment=comment)), skip)

    def _deliver(self, customer_ids: Sequence[str], notification: Notification) -> int:
        """Each customer's notification, if new, and its mail to those who want it: how many were new."""
        wishes = self.preferences.many(customer_ids)
        made = 0
        for customer_id in customer_ids:
            if not self.inbox.deliver(customer_id, notification):
                continue  # delivered before: this page comes again
            made += 1
            wish = wishes.get(customer_id)
            address = wish.mail_to(notification.kind) if wish is not None else None
            if address is not None:
                self._mail(customer_id, address, notification)
        count("NotificationsDelivered", made)
        return made

    def _mail(self, customer_id: str, address: str, notification: Notification) -> None:
        """At most once: a mail that fails is not sent again (the notification is in the inbox)."""
        mail = Mail(
            to=address,
            subject=f"{notification.title}: {_SUBJECTS[notification.kind]}",
            text=f"{notification.title}\n\n{notification.message}",
            unsubscribe=self.links.link(customer_id),
        )
        try:
            self.mailer.send(mail)
        except Exception as error:
            count("MailFailed")
            # The error's name only: SES's messages name the address.
            logger.error(
                "a notification's mail could not be sent",
                extra={"kind": notification.kind.value, "error": type(error).__name__},
            )
            return
        count("MailSent")

    def _follow_on(self, customer_ids: Sequence[str], target_id: str) -> None:
        at = self.clock()
        moved = sum(self.follows.follow_unless_decided(c, target_id, at) for c in customer_ids)
        count("FollowsMoved", moved)


def _notification(notice: Notice, idea: Idea, text: str) -> Notification:
    return Notification(
        notification_id=notice.notification_id,
        kind=notice.kind,
        idea_id=notice.idea_id,
        title=idea.title,
        message=text,
        merged_into=notice.merged_into,
        created_at=notice.at,
        read=False,
    )
