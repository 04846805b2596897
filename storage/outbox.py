"""The outbox of alerts and the monitoring states: storage's side of the notify step.

Change alerts are written by ``Database.add_version`` in the transaction that records the
version (``OutboxEntry``); monitoring alerts with the state change that causes them. The
notify step then claims rows (pending -> sending, committed before the send), sends them and
marks them sent. A row left ``sending`` by a killed process is handed back by
``release_interrupted``, which must only run under the pass lock (``storage.lock``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from storage.models import Delivery, MonitorState, Shop, check_table, delivery_table, snapshot_table

if TYPE_CHECKING:
    from storage.db import Database

PENDING, SENDING, SENT = "pending", "sending", "sent"

# A shop's latest checks, newest first, in the field order of ``CheckSummary``.
_RECENT = (
    select(  # type: ignore[call-overload]
        check_table.c.id, check_table.c.at, check_table.c.outcome, check_table.c.status, check_table.c.decision,
        check_table.c.detail, snapshot_table.c.url, snapshot_table.c.final_url,
    )
    .select_from(check_table)
    .outerjoin(snapshot_table, snapshot_table.c.id == check_table.c.snapshot_id)
    .where(check_table.c.shop_id == bindparam("shop"))
    .order_by(check_table.c.id.desc())
    .limit(bindparam("limit"))
)


@dataclass(frozen=True)
class OutboxEntry:
    """One delivery to enqueue: the target's key and when it may go out (digest period end)."""

    target: str
    due_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    target: str
    event: str
    kind: str
    shop: str
    version_id: int | None
    detail: str
    state: str
    created_at: datetime
    due_at: datetime
    next_attempt_at: datetime
    attempts: int
    last_error: str | None
    sent_at: datetime | None


@dataclass(frozen=True)
class ProblemState:
    shop: str
    problem: str
    active: bool
    check_id: int
    since: datetime
    detail: str


@dataclass(frozen=True)
class CheckSummary:
    """What monitoring needs to know of one stored check."""

    id: int
    at: datetime
    outcome: str
    status: int | None
    decision: str | None
    detail: str | None
    url: str | None
    final_url: str | None


def add_deliveries(
    connection: Session | Connection,
    entries: Iterable[OutboxEntry],
    *,
    shop_id: int,
    event: str,
    kind: str,
    now: datetime,
    version_id: int | None = None,
    detail: str = "",
) -> int:
    """Insert outbox rows inside the caller's transaction; an existing (target, event) is kept."""
    added = 0
    for entry in entries:
        exists = connection.execute(
            select(delivery_table.c.id).where(delivery_table.c.target == entry.target, delivery_table.c.event == event)
        ).first()
        if exists is not None:
            continue
        due = entry.due_at or now
        connection.execute(
            insert(delivery_table).values(
                target=entry.target, event=event, kind=kind, shop_id=shop_id, version_id=version_id,
                detail=detail, created_at=now, due_at=due, next_attempt_at=due, state=PENDING, attempts=0,
            )
        )
        added += 1
    return added


class Outbox:
    """Queries over the outbox and the monitoring states of one ``Database``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def release_interrupted(self) -> int:
        """Hand rows left ``sending`` by a killed process back to ``pending``.

        Only safe while holding the pass lock: then no live process is sending them.
        """
        with self.database.session() as session:
            result = session.exec(  # type: ignore[call-overload]
                update(Delivery).where(col(Delivery.state) == SENDING).values(state=PENDING)
            )
            return int(result.rowcount or 0)

    def ready(self, now: datetime) -> list[DeliveryRow]:
        """Pending rows whose period is over and whose retry time has come, oldest first."""
        with self.database.session() as session:
            rows = session.exec(
                select(Delivery, Shop.name)
                .join(Shop)
                .where(Delivery.state == PENDING, col(Delivery.due_at) <= now, col(Delivery.next_attempt_at) <= now)
                .order_by(col(Delivery.id))
            )
            return [_row(delivery, name) for delivery, name in rows]

    def claim(self, ids: Sequence[int], now: datetime) -> bool:
        """Move all ``ids`` from pending to sending in one transaction; False if any was taken."""
        with self.database.session() as session:
            result = session.exec(  # type: ignore[call-overload]
                update(Delivery)
                .where(col(Delivery.id).in_(ids), col(Delivery.state) == PENDING)
                .values(state=SENDING, attempts=Delivery.attempts + 1, last_attempt_at=now)
            )
            if result.rowcount != len(ids):
                session.rollback()
                return False
            return True

    def mark_sent(self, ids: Sequence[int], now: datetime) -> None:
        with self.database.session() as session:
            session.exec(  # type: ignore[call-overload]
                update(Delivery)
                .where(col(Delivery.id).in_(ids), col(Delivery.state) == SENDING)
                .values(state=SENT, sent_at=now, last_error=None)
            )

    def mark_failed(self, ids: Sequence[int], error: str, retry_at: datetime) -> None:
        with self.database.session() as session:
            session.exec(  # type: ignore[call-overload]
                update(Delivery)
                .where(col(Delivery.id).in_(ids), col(Delivery.state) == SENDING)
                .values(state=PENDING, last_error=error[:500], next_attempt_at=retry_at)
            )

    def rows(self, *, include_sent: bool = True) -> list[DeliveryRow]:
        """Every outbox row, newest first."""
        with self.database.session() as session:
            query = select(Delivery, Shop.name).join(Shop).order_by(col(Delivery.id).desc())
            if not include_sent:
                query = query.where(Delivery.state != SENT)
            return [_row(delivery, name) for delivery, name in session.exec(query)]

    # --- monitoring ------------------------------------------------------------------

    def recent_checks(self, shop: str, limit: int) -> list[CheckSummary]:
        """The shop's last ``limit`` checks, newest first."""
        return self.monitoring_inputs([shop], limit)[shop][0]

    def monitoring_inputs(
        self, shops: Sequence[str], depth: int
    ) -> dict[str, tuple[list[CheckSummary], dict[str, ProblemState]]]:
        """Each shop's last ``depth`` checks (newest first) and its problem states, in one transaction.

        One indexed look-up per shop on a single connection: a pass evaluates every shop,
        and a query per shop in its own session cost seconds at a few thousand shops.
        """
        with self.database.session() as session:
            states: dict[str, dict[str, ProblemState]] = defaultdict(dict)
            for row, name in session.exec(select(MonitorState, Shop.name).join(Shop)):
                states[name][row.problem] = ProblemState(
                    name, row.problem, row.active, row.check_id, row.since, row.detail
                )
            inputs = {}
            for shop in shops:
                rows = session.execute(_RECENT, {"shop": self.database.shop_id(session, shop), "limit": depth})
                inputs[shop] = ([CheckSummary(*row) for row in rows], states.get(shop, {}))
            return inputs

    def change_problem(
        self, state: ProblemState, entries: Iterable[OutboxEntry], *, event: str, now: datetime
    ) -> None:
        """Record a problem starting or ending, and its alerts, in one transaction."""
        with self.database.session() as session:
            shop_id: int = session.exec(select(Shop.id).where(Shop.name == state.shop)).one()  # type: ignore[assignment]
            row = session.exec(
                select(MonitorState).where(MonitorState.shop_id == shop_id, MonitorState.problem == state.problem)
            ).first() or MonitorState(shop_id=shop_id, problem=state.problem, since=state.since)
            row.active, row.check_id, row.since, row.detail = state.active, state.check_id, state.since, state.detail
            session.add(row)
            add_deliveries(session, entries, shop_id=shop_id, event=event, kind="monitoring", now=now,
                           detail=state.detail)


def _row(delivery: Delivery, shop: str) -> DeliveryRow:
    return DeliveryRow(
        id=delivery.id or 0,
        target=delivery.target,
        event=delivery.event,
        kind=delivery.kind,
        shop=shop,
        version_id=delivery.version_id,
        detail=delivery.detail,
        state=delivery.state,
        created_at=delivery.created_at,
        due_at=delivery.due_at,
        next_attempt_at=delivery.next_attempt_at,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        sent_at=delivery.sent_at,
    )
