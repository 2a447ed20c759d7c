"""The recount's lining up of a fact it read with the stream records of it: the fact as the counts saw it.

The counts hold the records up to each shard's checkpoint. The fact was read at some moment after the first
checkpoints; its version says which of its records the read already showed.
"""

from chalicelib.services.recount import FactRecord, as_counted, fact_records
from tests.records import record as stream_record

SHOWN = {"PK": "COMMENT#m1", "SK": "META", "idea_id": "s1", "hidden": False, "version": 1}
HIDDEN = {**SHOWN, "hidden": True, "version": 2}
SHOWN_AGAIN = {**SHOWN, "version": 3}


def record(sequence_number: int, version: int, old, new, shard: str = "shard-1") -> FactRecord:
    return FactRecord(shard, sequence_number, version, old, new)


POSTED = record(10, 1, None, SHOWN)
HIDING = record(20, 2, SHOWN, HIDDEN)
SHOWING = record(30, 3, HIDDEN, SHOWN_AGAIN)
DELETING = record(40, 4, SHOWN_AGAIN, None)


def test_with_no_records_since_the_first_checkpoints_the_fact_read_is_the_fact_counted():
    assert as_counted(HIDDEN, [], {"shard-1": 5}) == HIDDEN
    assert as_counted(None, [], {"shard-1": 5}) is None


def test_records_the_counts_hold_but_the_read_did_not_show_yet_win():
    assert as_counted(SHOWN, [HIDING], {"shard-1": 20}) == HIDDEN
    assert as_counted(SHOWN, [HIDING, SHOWING], {"shard-1": 30}) == SHOWN_AGAIN


def test_records_the_read_shows_but_the_counts_do_not_hold_yet_are_taken_back():
    assert as_counted(HIDDEN, [HIDING], {"shard-1": 19}) == SHOWN
    assert as_counted(SHOWN_AGAIN, [HIDING, SHOWING], {"shard-1": 20}) == HIDDEN
    assert as_counted(SHOWN_AGAIN, [HIDING, SHOWING], {"shard-1": 19}) == SHOWN


def test_a_shard_not_applied_at_all_holds_none_of_its_records():
    assert as_counted(HIDDEN, [HIDING], {}) == SHOWN
    assert as_counted(HIDDEN, [HIDING], {"shard-1": None}) == SHOWN
    assert as_counted(HIDDEN, [HIDING], {"shard-2": 99}) == SHOWN  # another shard's checkpoint says nothing


def test_a_fact_made_after_the_read_counts_from_its_first_record_on():
    assert as_counted(None, [POSTED], {"shard-1": 9}) is None
    assert as_counted(None, [POSTED], {"shard-1": 10}) == SHOWN
    assert as_counted(None, [POSTED, HIDING], {"shard-1": 10}) == SHOWN


def test_a_fact_deleted_before_the_read_showed_every_record_of_it():
    """A deletion is final: the fact read as missing is past all its records, whichever the counts hold."""
    assert as_counted(None, [DELETING], {"shard-1": 39}) == SHOWN_AGAIN  # counted before the first checkpoints
    assert as_counted(None, [DELETING], {"shard-1": 40}) is None
    assert as_counted(None, [SHOWING, DELETING], {"shard-1": 29}) == HIDDEN
    assert as_counted(None, [SHOWING, DELETING], {"shard-1": 30}) == SHOWN_AGAIN
    assert as_counted(None, [POSTED, HIDING, SHOWING, DELETING], {"shard-1": 9}) is None  # made and gone since


def test_a_fact_written_before_versions_existed_shows_none_of_the_versioned_records():
    legacy = {key: value for key, value in SHOWN.items() if key != "version"}
    first = record(20, 1, legacy, {**HIDDEN, "version": 1})  # its first write since: version 1
    assert as_counted(legacy, [first], {"shard-1": 19}) == legacy
    assert as_counted(legacy, [first], {"shard-1": 20}) == first.new


def test_a_facts_records_are_ordered_by_its_version_even_across_a_shard_split():
    """After a shard splits, an item's later records come from a child shard, whose id may sort first."""
    hiding = record(20, 2, SHOWN, HIDDEN, shard="shard-b")  # the parent
    showing = record(5, 3, HIDDEN, SHOWN_AGAIN, shard="shard-a")  # its child
    assert as_counted(SHOWN, [hiding, showing], {"shard-a": 5, "shard-b": 20}) == SHOWN_AGAIN
    assert as_counted(SHOWN_AGAIN, [hiding, showing], {"shard-a": None, "shard-b": 19}) == SHOWN


def test_fact_records_are_the_products_ballots_and_comments_with_the_version_each_made():
    ballot = {"PK": "CUSTOMER#c", "SK": "BALLOT#p"}
    comment = {"PK": "COMMENT#m1", "SK": "META"}
    said = {"idea_id": "i1", "product_id": "p", "hidden": False}
    stream = [
        stream_record(11, ballot, None, {"vote:i1": 1, "version": 1}),
        stream_record(12, ballot, {"vote:i1": 1, "version": 1}, {"vote:i1": -1, "version": 2}),
        stream_record(13, comment, None, {**said, "version": 1}),
        stream_record(14, comment, {**said, "version": 1}, None),  # deleted: the version after its last
        stream_record(15, {"PK": "CUSTOMER#c", "SK": "BALLOT#q"}, None, {"vote:i9": 1, "version": 1}),
        stream_record(16, {"PK": "COMMENT#m2", "SK": "META"}, None, {**said, "product_id": "q", "version": 1}),
        stream_record(17, {"PK": "IDEA#i1", "SK": "META"}, None, {"product_id": "p", "version": 1}),
        stream_record(18, ballot, None, {"vote:i1": 1}),  # written before versions existed
        stream_record(19, {"PK": "COMMENT#m3", "SK": "META"}, said, None),  # ... and deleted since
    ]
    found = list(fact_records("shard-1", stream, "p"))
    assert {r.shard_id for r in found} == {"shard-1"}
    assert [(r.sequence_number, r.version) for r in found] == [(11, 1), (12, 2), (13, 1), (14, 2), (18, 0), (19, 1)]
    first, second = found[:2]
    assert (first.old, first.new["vote:i1"]) == (None, 1)
    assert (second.old["vote:i1"], second.new["vote:i1"]) == (1, -1)
