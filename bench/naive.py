"""The design cocreate did not choose, for comparison: one item per vote, counted in the same transaction.

A vote is a transaction of three writes: the vote item, the idea's counts and sort keys (the same indexes as
cocreate's), and the customer's budget counter for the product. Counts are exact at once, but every vote on a
viral idea writes that one idea item (a hot key: one item takes at most 1,000 write units a second), and every
write is a transactional one, at twice the price.
"""

from __future__ import annotations

from chalicelib.domain.ideas import Idea
from chalicelib.store import keys
from chalicelib.store.ideas import ranking_attributes
from chalicelib.store.table import Delete, Expression, Put, Table, Update


class NaiveVotes:
    def __init__(self, table: Table) -> None:
        self.table = table

    def cast(self, customer_id: str, idea_id: str, value: int) -> None:
        idea = Idea.model_validate(self.table.get(keys.idea(idea_id), consistent=True))
        vote_key = {"PK": f"IDEA#{idea_id}", "SK": f"VOTE#{customer_id}"}
        old = self.table.get(vote_key, consistent=True)
        before = int(old["value"]) if old else 0
        actions: list[Put | Update] = [
            Put(
                {**vote_key, "value": value},
                Expression("attribute_not_exists(PK) OR #v = :before", {"#v": "value"}, {":before": before}),
            ),
            self._count(idea, before, value),
        ]
        if old is None:
            actions.append(self._budget(customer_id, idea, +1))
        self.table.transact(actions)

    def retract(self, customer_id: str, idea_id: str) -> None:
        idea = Idea.model_validate(self.table.get(keys.idea(idea_id), consistent=True))
        vote_key = {"PK": f"IDEA#{idea_id}", "SK": f"VOTE#{customer_id}"}
        old = self.table.get(vote_key, consistent=True)
        if old is None:
            return
        before = int(old["value"])
        self.table.transact([Delete(vote_key), self._count(idea, before, 0), self._budget(customer_id, idea, -1)])

    def _count(self, idea: Idea, before: int, after: int) -> Update:
        counted = idea.model_copy(
            update={"up": idea.up + (after == 1) - (before == 1), "down": idea.down + (after == -1) - (before == -1)}
        )
        moving = {k: v for k, v in ranking_attributes(counted).items() if k.endswith("_SK") and not k.startswith("NEW")}
        assignments = ", ".join(f"#{k} = :{k}" for k in moving)
        return Update(
            keys.idea(idea.idea_id),
            Expression(
                f"SET up = :up, down = :down, {assignments}",
                {f"#{k}": k for k in moving},
                {**{f":{k}": v for k, v in moving.items()}, ":up": counted.up, ":down": counted.down},
            ),
            Expression("up = :was_up AND down = :was_down", values={":was_up": idea.up, ":was_down": idea.down}),
        )

    @staticmethod
    def _budget(customer_id: str, idea: Idea, change: int) -> Update:
        return Update(
            {"PK": f"CUSTOMER#{customer_id}", "SK": f"BUDGET#{idea.product_id}"},
            Expression("ADD used :change", values={":change": change}),
            Expression("attribute_not_exists(used) OR used < :budget", values={":budget": idea.vote_budget})
            if change > 0
            else None,
        )
