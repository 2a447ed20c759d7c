"""The composition root: AWS clients and services, built on first use and never at import time."""

from __future__ import annotations

import functools
import secrets
from typing import Any, NamedTuple

import boto3
from botocore.config import Config

from chalicelib.domain.text import utc_now
from chalicelib.idempotency import Idempotency
from chalicelib.identity import CognitoTokens, Tokens, UnverifiedTokens
from chalicelib.publish.events import EventBridgePublisher, EventPublisher
from chalicelib.publish.mail import SesMailer, UnsubscribeLinks
from chalicelib.publish.reports import ReportStore
from chalicelib.sentiment import Comprehend, Scorer, vader
from chalicelib.services.catalogue import CatalogueService
from chalicelib.services.comments import CommentService
from chalicelib.services.customers import CustomerDataService
from chalicelib.services.demand import DemandService
from chalicelib.services.following import FollowingService
from chalicelib.services.ideas import IdeaService
from chalicelib.services.lifecycle import LifecycleService
from chalicelib.services.merging import MergingService
from chalicelib.services.notifications import NotificationService
from chalicelib.services.recount import RecountService
from chalicelib.services.similar import SimilarService
from chalicelib.services.voting import VotingService
from chalicelib.settings import settings
from chalicelib.store.ballots import BallotStore
from chalicelib.store.comments import CommentStore
from chalicelib.store.customers import CustomerRecords
from chalicelib.store.follows import FollowStore
from chalicelib.store.history import StreamHistory
from chalicelib.store.ideas import IdeaStore
from chalicelib.store.inbox import Inbox
from chalicelib.store.limits import WriteLimiter
from chalicelib.store.merges import MergeJobs
from chalicelib.store.notices import NoticeJobs
from chalicelib.store.outbox import Outbox
from chalicelib.store.preferences import PreferenceStore
from chalicelib.store.products import ProductStore
from chalicelib.store.table import Table
from chalicelib.store.tallies import TallyStore
from chalicelib.streams.consumer import StreamConsumer

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)
S3_CONFIG = Config(signature_version="s3v4")


class LazyClient:
    """A boto3 client made on its first call: making one costs 30 to 80 ms, and a cold start should pay only
    for the clients its request uses (most never touch S3 or EventBridge)."""

    def __init__(self, session: boto3.session.Session, service: str, config: Config | None = None) -> None:
        self._make = functools.partial(session.client, service, config=config or CLIENT_CONFIG)

    @functools.cached_property
    def _client(self) -> Any:
        return self._make()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class Services(NamedTuple):
    catalogue: CatalogueService
    ideas: IdeaService
    voting: VotingService
    lifecycle: LifecycleService
    merging: MergingService
    following: FollowingService
    notifications: NotificationService
    customers: CustomerDataService
    similar: SimilarService
    demand: DemandService
    stream_consumer: StreamConsumer
    recount: RecountService
    comments: CommentService
    outbox: Outbox
    events: EventPublisher
    tokens: Tokens
    write_limiter: WriteLimiter
    idempotency: Idempotency


@functools.cache
def services() -> Services:
    config = settings()
    session = boto3.session.Session()
    table = Table(LazyClient(session, "dynamodb"), config.table_name)
    events = EventBridgePublisher(LazyClient(session, "events"), config.event_bus)
    # Links to reports too large to answer are signed with Signature Version 4, as every region takes.
    reports = ReportStore(LazyClient(session, "s3", CLIENT_CONFIG.merge(S3_CONFIG)), config.demand_bucket)
    catalogue = CatalogueService(ProductStore(table), utc_now)
    ideas = IdeaStore(table)
    outbox = Outbox(table)
    ballots = BallotStore(table, config.write_limit_per_minute, utc_now)
    tallies = TallyStore(table, outbox)
    similar = SimilarService(catalogue, ideas)
    merges = MergeJobs(table)
    merging = MergingService(ideas, ballots, merges, events, utc_now)
    following = FollowingService(ideas, FollowStore(table), utc_now)
    voting = VotingService(catalogue, ideas, ballots, merging, following)
    history = StreamHistory(table.client, LazyClient(session, "dynamodbstreams"), config.table_name)
    comments = CommentStore(table)
    preferences = PreferenceStore(table)
    notifications = NotificationService(
        ideas=ideas,
        comments=comments,
        follows=following.follows,
        inbox=Inbox(table),
        preferences=preferences,
        jobs=NoticeJobs(table),
        events=events,
        mailer=SesMailer(LazyClient(session, "ses"), config.mail_from),
        links=UnsubscribeLinks(config.unsubscribe_key or secrets.token_hex(32), config.public_url),
        clock=utc_now,
    )
    return Services(
        catalogue=catalogue,
        ideas=IdeaService(catalogue, ideas, voting, following, similar, clock=utc_now),
        similar=similar,
        voting=voting,
        lifecycle=LifecycleService(ideas, merges, utc_now),
        merging=merging,
        following=following,
        notifications=notifications,
        customers=CustomerDataService(
            records=CustomerRecords(table),
            ideas=ideas,
            comments=comments,
            ballots=ballots,
            events=events,
            clock=utc_now,
        ),
        demand=DemandService(catalogue, ideas, reports, events, utc_now),
        stream_consumer=StreamConsumer(tallies, outbox, events, history, comments),
        recount=RecountService(
            catalogue=catalogue,
            ideas=ideas,
            ballots=ballots,
            comments=comments,
            tallies=tallies,
            history=history,
            events=events,
            clock=utc_now,
        ),
        comments=CommentService(catalogue, ideas, comments, following, _scorer(session), clock=utc_now),
        outbox=outbox,
        events=events,
        tokens=_tokens(),
        write_limiter=WriteLimiter(table, config.write_limit_per_minute, utc_now),
        idempotency=Idempotency(config.idempotency_table, table.client),
    )


def _scorer(session: boto3.session.Session) -> Scorer:
    config = settings()
    if config.sentiment == "comprehend":
        return Comprehend(LazyClient(session, "comprehend"), config.sentiment_language)
    return vader


def _tokens() -> Tokens:
    config = settings()
    if config.identity == "unverified":
        return UnverifiedTokens()
    assert config.token_issuer and config.token_audience  # settings check it
    return CognitoTokens(config.token_issuer, config.token_audience)


def reset() -> None:
    """Forget what was built, and the settings it was built from: for tests that change the environment."""
    services.cache_clear()
    settings.cache_clear()
