"""The versioned FAQ store (clinic/faq/store.py) on SQLite and on PostgreSQL.

Every publish is an immutable, numbered version; a publish based on a version that is no
longer live, or racing another publish, writes nothing; rollback and activate only append
to the activation log; an unreachable database is a ``StoreError``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterator, List, Sequence, Union

import numpy as np
import pytest
import sqlalchemy as sa

from clinic.faq.model import Button, Faq, Phrasing, faq_to_record
from clinic.faq.store import (
    ConcurrentPublish,
    FaqStore,
    StaleVersion,
    StoreError,
    VersionInfo,
    content_hash,
)

ENCODER = "test-encoder"
FAQ_TABLES = ("faq_head", "faq_versions", "faq_activations", "faq_vectors")


def make_faq(name: str, answer: str = "Ask our front desk. {clinic_contact}",
             wordings: Sequence[str] = (), buttons: Sequence[Button] = ()) -> Faq:
    """An FAQ as the loader would produce it (five wordings unless given)."""
    texts = list(wordings) or [f"{name} question number {i}" for i in range(5)]
    return Faq(name=name, path=Path("faq") / f"{name}.yml", question=f"What about {name}?",
               asked_as=tuple(Phrasing(text, i + 3) for i, text in enumerate(texts)),
               answer=answer, buttons=tuple(buttons))


def records(faqs: Sequence[Faq]) -> List[dict]:
    """The stored form of ``faqs``, sorted by name (what a version must give back)."""
    return sorted((faq_to_record(faq) for faq in faqs), key=lambda r: r["name"])


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/x.db"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FaqStore]:
    opened = FaqStore(sqlite_url(tmp_path))
    yield opened
    opened.close()


V1 = [make_faq("parking"), make_faq("prices")]
V2 = [make_faq("parking", answer="Park behind the building."), make_faq("prices")]
V3 = [make_faq("parking", answer="Park behind the building."), make_faq("prices"),
      make_faq("gift_cards")]


# --------------------------------------------------------------------------- publishing


def test_an_empty_store_has_no_live_version(store: FaqStore) -> None:
    assert store.live_version_number() is None
    assert store.live() is None
    assert store.history() == []


def test_publish_numbers_versions_and_makes_each_live(store: FaqStore) -> None:
    first = store.publish(V1, "ana", ["added parking", "added prices"], base=None)
    assert (first.version, first.author, first.changes) == (
        1, "ana", ("added parking", "added prices"))
    assert first.content_hash == content_hash(V1)
    assert store.live_version_number() == 1

    second = store.publish(V2, "ben", ["changed answer of parking"], base=1)
    assert second.version == 2
    assert store.live_version_number() == 2
    live = store.live()
    assert live is not None and live.version == 2
    assert records(live.faqs) == records(V2)


def test_each_version_keeps_its_own_content(store: FaqStore) -> None:
    store.publish(V1, "ana", ["v1"], base=None)
    store.publish(V2, "ben", ["v2"], base=1)
    store.publish(V3, "ana", ["v3"], base=2)

    assert records(store.get(1).faqs) == records(V1)
    assert records(store.get(2).faqs) == records(V2)
    assert records(store.get(3).faqs) == records(V3)
    assert store.get(1).info.changes == ("v1",)
    with pytest.raises(KeyError):
        store.get(4)


def test_buttons_and_placeholders_survive_the_store(store: FaqStore) -> None:
    faq = make_faq("parking", answer="Park at {clinic_name}. {clinic_contact}",
                   buttons=(Button("Map", 9, url="https://example.com/map"),
                            Button("Book", 10, payload="/request_booking")))
    store.publish([faq], "ana", ["added"], base=None)
    (stored,) = store.get(1).faqs
    assert faq_to_record(stored) == faq_to_record(faq)
    assert stored.answer == "Park at {clinic_name}. {clinic_contact}"
    assert [b.as_response() for b in stored.buttons] == [
        {"title": "Map", "url": "https://example.com/map"},
        {"title": "Book", "payload": "/request_booking"},
    ]


def test_content_hash_ignores_order_and_sees_changes() -> None:
    assert content_hash(V1) == content_hash(list(reversed(V1)))
    assert content_hash(V1) != content_hash(V2)


def test_a_wrong_base_writes_nothing(store: FaqStore) -> None:
    store.publish(V1, "ana", ["v1"], base=None)
    store.publish(V2, "ben", ["v2"], base=1)

    with pytest.raises(StaleVersion) as raised:
        store.publish(V3, "carl", ["v3"], base=1)
    assert raised.value.base == 1
    assert raised.value.live is not None and raised.value.live.version == 2
    assert "version 2 by ben is live" in str(raised.value)

    with pytest.raises(StaleVersion):
        store.publish(V3, "carl", ["v3"], base=None)  # "the store is empty": it is not
    assert len(store.history()) == 2
    assert store.live_version_number() == 2


def test_a_base_on_an_empty_store_is_stale(store: FaqStore) -> None:
    with pytest.raises(StaleVersion) as raised:
        store.publish(V1, "ana", ["v1"], base=3)
    assert raised.value.live is None
    assert store.history() == []


# --------------------------------------------------------------------------- two at once


def _race(publishers: Sequence[Callable[[], VersionInfo]]
          ) -> List[Union[VersionInfo, BaseException]]:
    """Runs every publish in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(publishers))
    results: List[Union[VersionInfo, BaseException, None]] = [None] * len(publishers)

    def run(number: int) -> None:
        barrier.wait()
        try:
            results[number] = publishers[number]()
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            results[number] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(publishers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(result is not None for result in results), "a publish did not finish"
    return [result for result in results if result is not None]


@pytest.mark.parametrize("round_", range(10))  # the overlap is a matter of timing
def test_two_publishes_at_the_same_moment_one_wins(tmp_path: Path, round_: int) -> None:
    url = sqlite_url(tmp_path)
    first, second = FaqStore(url), FaqStore(url)  # two servers / two staff members
    try:
        first.publish(V1, "ana", ["v1"], base=None)
        second.ensure_schema()
        outcomes = _race([lambda: first.publish(V2, "ana", ["v2 by ana"], base=1),
                          lambda: second.publish(V3, "ben", ["v3 by ben"], base=1)])

        winners = [o for o in outcomes if isinstance(o, VersionInfo)]
        losers = [o for o in outcomes if not isinstance(o, VersionInfo)]
        assert len(winners) == 1, f"expected exactly one winner, got {outcomes}"
        assert len(losers) == 1 and isinstance(losers[0], (ConcurrentPublish, StaleVersion))
        (winner,) = winners
        assert winner.version == 2
        assert [info.version for info in first.history()] == [2, 1]
        live = first.live()
        assert live is not None and live.version == 2
        expected = V2 if winner.author == "ana" else V3
        assert records(live.faqs) == records(expected)  # the winner's content, whole
        assert live.info.content_hash == content_hash(expected)
    finally:
        first.close()
        second.close()


def _publish_between_reads(slow: FaqStore, fast: FaqStore) -> List[VersionInfo]:
    """``slow`` publishes on base 1; ``fast`` publishes on base 1 in the middle of it.

    ``fast`` runs, start to finish, right before ``slow`` takes the head row (its first
    write): the moment two publishes based on the same version really overlap.
    """
    done: List[VersionInfo] = []

    @sa.event.listens_for(slow.engine, "before_cursor_execute")
    def interleave(conn, cursor, statement, parameters, context, executemany) -> None:
        if not done and statement.lower().startswith("update faq_head"):
            done.append(fast.publish(V2, "ana", ["v2 by ana"], base=1))

    try:
        done.append(slow.publish(V3, "ben", ["v3 by ben"], base=1))
    except (ConcurrentPublish, StaleVersion):
        pass
    finally:
        sa.event.remove(slow.engine, "before_cursor_execute", interleave)
    return done


def check_no_lost_update(url: str) -> None:
    """Two publishes both based on version 1: the second must not silently undo the first."""
    slow, fast = FaqStore(url), FaqStore(url)
    try:
        slow.publish(V1, "ana", ["v1"], base=None)
        published = _publish_between_reads(slow, fast)
        assert [info.author for info in published][:1] == ["ana"]
        assert len(published) == 1, (
            "both publishes based on version 1 were written: "
            f"{[(i.version, i.author) for i in published]}; ben's version undid ana's "
            "without a StaleVersion")
        assert [info.version for info in slow.history()] == [2, 1]
        assert slow.live_version_number() == 2
    finally:
        slow.close()
        fast.close()


def test_a_publish_overlapping_another_writes_nothing_sqlite(tmp_path: Path) -> None:
    check_no_lost_update(sqlite_url(tmp_path))


# --------------------------------------------------------------------------- rollback


def test_rollback_steps_back_one_version_per_call(store: FaqStore) -> None:
    with pytest.raises(LookupError):
        store.rollback("ana")  # nothing published
    store.publish(V1, "ana", ["v1"], base=None)
    store.publish(V2, "ana", ["v2"], base=1)
    store.publish(V3, "ana", ["v3"], base=2)

    assert store.rollback("ben")[0] == 3
    assert store.live_version_number() == 2
    before, now = store.rollback("ben")
    assert (before, now.version) == (2, 1)
    live = store.live()
    assert live is not None and records(live.faqs) == records(V1)

    with pytest.raises(LookupError, match="first version"):
        store.rollback("ben")
    assert store.live_version_number() == 1
    assert [info.version for info in store.history()] == [3, 2, 1]  # nothing deleted


def test_publish_after_a_rollback_is_based_on_the_live_version(store: FaqStore) -> None:
    store.publish(V1, "ana", ["v1"], base=None)
    store.publish(V2, "ana", ["v2"], base=1)
    store.rollback("ben")

    with pytest.raises(StaleVersion):
        store.publish(V3, "ana", ["v3"], base=2)
    info = store.publish(V3, "ana", ["v3"], base=1)
    assert info.version == 3
    assert store.live_version_number() == 3


def test_activate_an_earlier_version(store: FaqStore) -> None:
    store.publish(V1, "ana", ["v1"], base=None)
    store.publish(V2, "ana", ["v2"], base=1)
    store.publish(V3, "ana", ["v3"], base=2)

    info = store.activate(1, "ben")
    assert info.version == 1 and info.author == "ana"  # the version's header
    assert store.live_version_number() == 1
    store.activate(3, "ben")
    assert store.live_version_number() == 3
    with pytest.raises(KeyError):
        store.activate(9, "ben")
    assert store.live_version_number() == 3


def test_history_lists_newest_first_with_limit(store: FaqStore) -> None:
    store.publish(V1, "ana", ["v1"], base=None)
    store.publish(V2, "ben", ["v2"], base=1)
    store.publish(V3, "carl", ["v3", "more"], base=2)

    history = store.history()
    assert [(i.version, i.author, i.changes) for i in history] == [
        (3, "carl", ("v3", "more")), (2, "ben", ("v2",)), (1, "ana", ("v1",))]
    assert history[0].created_at >= history[1].created_at >= history[2].created_at
    assert [i.version for i in store.history(limit=2)] == [3, 2]


def test_a_second_store_object_sees_the_same_versions(tmp_path: Path) -> None:
    writer, reader = FaqStore(sqlite_url(tmp_path)), FaqStore(sqlite_url(tmp_path))
    try:
        writer.publish(V1, "ana", ["v1"], base=None)
        assert reader.live_version_number() == 1
        writer.publish(V2, "ana", ["v2"], base=1)
        assert reader.live_version_number() == 2
        writer.rollback("ana")
        assert reader.live_version_number() == 1
    finally:
        writer.close()
        reader.close()


# --------------------------------------------------------------------------- vectors


def test_vectors_round_trip(store: FaqStore) -> None:
    rng = np.random.default_rng(7)
    saved = {"is there parking": rng.normal(size=384), "where do i park": rng.normal(size=384)}
    store.save_vectors(ENCODER, saved)

    found = store.vectors(ENCODER, ["is there parking", "where do i park", "never stored"])
    assert set(found) == {"is there parking", "where do i park"}
    for text, vector in saved.items():
        assert found[text].dtype == np.float32 and found[text].shape == (384,)
        np.testing.assert_allclose(found[text], vector.astype(np.float32))
    assert store.vectors("another-encoder", ["is there parking"]) == {}
    assert store.vectors(ENCODER, []) == {}


def test_saving_a_stored_vector_again_keeps_the_first(store: FaqStore) -> None:
    first = np.ones(384, dtype=np.float32)
    store.save_vectors(ENCODER, {"hello": first})
    store.save_vectors(ENCODER, {"hello": np.zeros(384), "new": np.full(384, 2.0)})
    found = store.vectors(ENCODER, ["hello", "new"])
    np.testing.assert_array_equal(found["hello"], first)
    np.testing.assert_array_equal(found["new"], np.full(384, 2.0, dtype=np.float32))


def test_many_vectors_are_read_in_chunks(store: FaqStore) -> None:
    texts = [f"wording {i}" for i in range(1203)]
    store.save_vectors(ENCODER, {text: np.full(4, i, dtype=np.float32)
                                 for i, text in enumerate(texts)})
    found = store.vectors(ENCODER, texts)
    assert len(found) == 1203
    np.testing.assert_array_equal(found["wording 1202"], np.full(4, 1202, dtype=np.float32))


# --------------------------------------------------------------------------- unreachable


@pytest.mark.parametrize("url", [
    "sqlite:///{tmp}/no/such/folder/x.db",
    "postgresql://nobody@127.0.0.1:1/none",
])
def test_an_unreachable_database_is_a_store_error(tmp_path: Path, url: str) -> None:
    store = FaqStore(url.format(tmp=tmp_path), connect_timeout=2)
    try:
        with pytest.raises(StoreError):
            store.publish(V1, "ana", ["v1"], base=None)
        with pytest.raises(StoreError):
            store.live_version_number()
        with pytest.raises(StoreError):
            store.history()
        with pytest.raises(StoreError):
            store.rollback("ana")
    finally:
        store.close()
    assert not (tmp_path / "no").exists()


def test_a_store_that_goes_away_is_a_store_error(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    store = FaqStore(f"sqlite:///{folder}/x.db")
    try:
        store.publish(V1, "ana", ["v1"], base=None)
        store.engine.dispose()
        folder.rename(tmp_path / "moved")
        with pytest.raises(StoreError):
            store.live_version_number()
        with pytest.raises(StoreError):
            store.publish(V2, "ana", ["v2"], base=1)
        (tmp_path / "moved").rename(folder)
        assert store.live_version_number() == 1
    finally:
        store.close()


# --------------------------------------------------------------------------- PostgreSQL


def _drop_faq_tables(url: str) -> None:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.begin() as connection:
            for table in FAQ_TABLES:
                connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    finally:
        engine.dispose()


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """The test PostgreSQL database without FAQ tables (dropped before and after)."""
    _drop_faq_tables(postgres_url)
    yield postgres_url
    _drop_faq_tables(postgres_url)


def test_postgresql_publish_stale_and_rollback(pg_url: str) -> None:
    store, other = FaqStore(pg_url), FaqStore(pg_url)
    try:
        assert store.live_version_number() is None
        assert store.publish(V1, "ana", ["v1"], base=None).version == 1
        assert other.publish(V2, "ben", ["v2"], base=1).version == 2
        with pytest.raises(StaleVersion):
            store.publish(V3, "ana", ["v3"], base=1)
        assert [i.version for i in store.history()] == [2, 1]
        live = store.live()
        assert live is not None and records(live.faqs) == records(V2)
        assert records(store.get(1).faqs) == records(V1)

        assert store.rollback("ana")[1].version == 1
        assert other.live_version_number() == 1
        with pytest.raises(LookupError):
            store.rollback("ana")
        assert store.publish(V3, "ana", ["v3"], base=1).version == 3

        vector = np.linspace(-1, 1, 384).astype(np.float32)
        store.save_vectors(ENCODER, {"is there parking": vector})
        np.testing.assert_array_equal(
            other.vectors(ENCODER, ["is there parking"])["is there parking"], vector)
    finally:
        store.close()
        other.close()


def test_postgresql_two_publishes_at_the_same_moment_one_wins(pg_url: str) -> None:
    first, second = FaqStore(pg_url), FaqStore(pg_url)
    try:
        first.publish(V1, "ana", ["v1"], base=None)
        second.ensure_schema()
        outcomes = _race([lambda: first.publish(V2, "ana", ["v2"], base=1),
                          lambda: second.publish(V3, "ben", ["v3"], base=1)])
        winners = [o for o in outcomes if isinstance(o, VersionInfo)]
        assert len(winners) == 1, f"expected exactly one winner, got {outcomes}"
        assert all(isinstance(o, (ConcurrentPublish, StaleVersion))
                   for o in outcomes if not isinstance(o, VersionInfo))
        assert [i.version for i in first.history()] == [2, 1]
    finally:
        first.close()
        second.close()


def test_a_publish_overlapping_another_writes_nothing_postgresql(pg_url: str) -> None:
    check_no_lost_update(pg_url)
