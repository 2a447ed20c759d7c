"""Use cases: what customers and product teams can do. No HTTP, no boto3."""

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]
