"""Full-text search: Norwegian word forms, ranking, æøå, hostile queries, safe highlighting.
Runs on the engine under test (SQLite FTS5 by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from allin.enums import GuideStatus, Language
from allin.extensions import db
from allin.guide import search
from allin.models import GuideEntry, GuideSynonym
from tests.conftest import is_postgres
from tests.factories import make_guide_entry


def results(client, query: str, **params) -> list[str]:
    response = client.get("/guide/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.data[:500]
    page = response.data.decode()
    return [
        re.sub(r"<[^>]+>", "", title)
        for title in re.findall(r'class="guide-result__title"><a href="[^"]+">(.*?)</a>', page)
    ]


@pytest.fixture
def corpus(app, world):
    with app.app_context():
        published = {"status": "published"}
        make_guide_entry(
            title="Møteplasser i byen", body="Ungdommer trenger steder å være.", **published
        )
        make_guide_entry(title="Ungdommens stemme", body="Om medvirkning.", **published)
        make_guide_entry(
            title="Leirtips",
            summary="Bli kjent på leir.",
            body="Mange ungdommers første leir. Ta med sovepose.",
            **published,
        )
        make_guide_entry(
            title="Budsjett", body="Penger til lansering.", tags=["økonomi"], **published
        )
        make_guide_entry(
            title="Tromsø-modellen", body="Nattvandring i Tromsø med foreldre.", **published
        )
        make_guide_entry(
            title="Youth voice", body="Young people and youngsters.", language="en", **published
        )
        make_guide_entry(title="Kladd om ungdom", body="ungdom", status="draft")
        db.session.commit()


def test_ungdom_finds_ungdommer_and_ungdommens(client, corpus):
    found = results(client, "ungdom")
    assert set(found) == {"Møteplasser i byen", "Ungdommens stemme", "Leirtips"}


def test_title_matches_come_first(client, corpus):
    found = results(client, "ungdom")
    assert found[0] == "Ungdommens stemme"


def test_inflected_query_words_are_found_too(client, corpus):
    assert "Møteplasser i byen" in results(client, "ungdommer")
    assert results(client, "leiren") == [] or "Leirtips" in results(client, "leir")


def test_all_words_must_match(client, corpus):
    assert results(client, "ungdom sovepose") == ["Leirtips"]


def test_aeoeaa_work_in_queries_and_results(client, corpus):
    assert results(client, "Tromsø") == ["Tromsø-modellen"]
    assert results(client, "MØTEPLASSER") == ["Møteplasser i byen"]
    assert results(client, "økonomi") == ["Budsjett"]  # tags are searched
    assert results(client, "tromso") == []  # ø is a letter of its own, not o


def test_search_is_in_the_readers_language(client, corpus):
    assert results(client, "youth", lang="en") == ["Youth voice"]
    assert results(client, "ungdom", lang="en") == []
    english = client.get("/guide/search?q=young", headers={"Accept-Language": "en"})
    assert "Youth voice" in english.data.decode()


def test_drafts_are_not_found(client, corpus):
    assert "Kladd om ungdom" not in results(client, "kladd ungdom")


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"ungdom',
        "ungdom*",
        "*",
        "ungdom AND OR NOT",
        "NEAR(ungdom leir)",
        "title:ungdom",
        "{title body}: ungdom",
        "ungdom:*",
        "ungdom & !leir | (",
        "'; DROP TABLE guide_entry; --",
        "\\",
        "^ungdom",
        "-ungdom +leir",
        "ungdom<->leir",
        "%_%",
        "a" * 500,
        "ungdom " * 100,
        "🙂 ungdom",
        "ǅ ﬁ ß İ",
    ],
)
def test_hostile_queries_are_text_never_an_error(client, corpus, query):
    results(client, query)  # asserts 200


def test_operators_are_just_separators(client, corpus):
    assert set(results(client, '"ungdom" AND')) <= {
        "Møteplasser i byen",
        "Ungdommens stemme",
        "Leirtips",
    }
    assert results(client, "(ungdom) sovepose*") == ["Leirtips"]


def test_highlighting_escapes_first(app, client, world):
    with app.app_context():
        make_guide_entry(
            title="<b>Ungdom</b> & by",
            summary='Om <script>alert("ungdom")</script> her.',
            status="published",
        )
        db.session.commit()
    page = client.get("/guide/search?q=ungdom").data.decode()
    assert "<script>alert" not in page and "<b>" not in page
    assert "&lt;b&gt;<mark>Ungdom</mark>&lt;/b&gt; &amp; by" in page
    assert "&lt;script&gt;alert(&#34;<mark>ungdom</mark>&#34;)&lt;/script&gt;" in page


def test_the_matching_passage_is_shown(app, client, world):
    body = " ".join(["fyll"] * 200) + " her kommer ungdommene inn " + " ".join(["mer"] * 200)
    with app.app_context():
        make_guide_entry(title="Lang", summary="Kort.", body=body, status="published")
        db.session.commit()
    page = client.get("/guide/search?q=ungdom").data.decode()
    passage = re.search(r'guide-result__passage">(.*?)</p>', page).group(1)
    assert "<mark>ungdommene</mark>" in passage and passage.startswith("… ")
    assert len(passage) < 400


def test_parse_keeps_word_tokens_only():
    query = search.parse('"Ungdom" AND (leir*) OR ungdom', "nb")
    assert query.words == ("ungdom", "and", "leir", "or")
    assert search.parse("!!! ***", "nb").words == ()
    assert len(search.parse(" ".join(f"w{i}" for i in range(20)), "nb").words) == 8


def test_an_empty_query_asks_for_words(client, corpus):
    page = client.get('/guide/search?q="*"').data.decode()
    assert 'class="guide-result"' not in page and 'role="status"' in page


def test_the_count_is_of_every_match_the_filters_keep(app, client, world):
    """The total is counted along with the ranked page (search.results), or on its own past
    the last page: every match the filters keep, on every page."""
    with app.app_context():
        for n in range(30):
            make_guide_entry(
                title=f"Ungdomsklubb {n}",
                phase=("prepare", "launch")[n % 3 == 0],
                status="published",
            )
        make_guide_entry(title="Ungdomsklubb kladd", status="draft")
        make_guide_entry(title="Ungdomsklubb", language="en", status="published")
        make_guide_entry(title="Bibliotek", status="published")
        db.session.commit()

    def count(**params) -> str:
        page = client.get("/guide/search", query_string={"q": "ungdomsklubb", **params})
        return re.search(r'class="guide-count" role="status">([^<]+)<', page.data.decode())[1]

    assert count() == count(page=2) == count(page=3) == "30 oppføringer funnet"
    first, second = results(client, "ungdomsklubb"), results(client, "ungdomsklubb", page=2)
    assert len(first) == 25 and len(second) == 5 and not set(first) & set(second)
    assert results(client, "ungdomsklubb", page=3) == []
    assert count(phase="launch") == "10 oppføringer funnet"
    assert len(results(client, "ungdomsklubb", phase="launch")) == 10


# ---- PostgreSQL: the vector the database keeps (migration 0016) -----------------------------

CONFIG = "CASE WHEN language = 'nb' THEN 'norwegian'::regconfig ELSE 'english'::regconfig END"
COMPUTED = (
    f"setweight(to_tsvector({CONFIG}, title), 'A') || "
    f"setweight(to_tsvector({CONFIG}, tags), 'B') || "
    f"setweight(to_tsvector({CONFIG}, summary), 'B') || "
    f"setweight(to_tsvector({CONFIG}, left(body, 200000)), 'C')"
)


def _vectors(entry_ids) -> dict[int, tuple[str, bool]]:
    """Each entry's stored vector, and whether it is what the search's expression makes now."""
    rows = db.session.execute(
        text(
            f"SELECT id, search_vector::text, search_vector = ({COMPUTED}) "
            "FROM guide_entry WHERE id = ANY(:ids)"
        ),
        {"ids": list(entry_ids)},
    )
    return {id_: (vector, same) for id_, vector, same in rows}


@pytest.mark.skipif(not is_postgres(), reason="SQLite searches its FTS5 table")
def test_the_stored_vector_is_filled_and_follows_edits(app, client, world):
    with app.app_context():
        nb = make_guide_entry(
            title="Nattvandring", body="Ungdommer ute om kvelden.", tags=["trygghet"]
        )
        en = make_guide_entry(title="Night walks", body="Young people", language="en")
        db.session.commit()
        ids = (nb.id, en.id)
        vectors = _vectors(ids)
        assert all(same for _vector, same in vectors.values())
        assert "'nattvandring':1A" in vectors[nb.id][0] and "'trygg':2B" in vectors[nb.id][0]
        assert "'night':1A" in vectors[en.id][0]  # English stems for English entries

        nb.title, nb.body, nb.status = "Kveldsvakt", "Foreldre går rundt.", GuideStatus.PUBLISHED
        db.session.commit()
        vectors = _vectors(ids)
        assert all(same for _vector, same in vectors.values())
        assert "nattvandring" not in vectors[nb.id][0] and "'kveldsvakt':1A" in vectors[nb.id][0]
    assert results(client, "kveldsvakt") == ["Kveldsvakt"]
    assert results(client, "foreldre") == ["Kveldsvakt"]
    assert results(client, "nattvandring") == []


@pytest.mark.skipif(not is_postgres(), reason="SQLite searches its FTS5 table")
def test_postgres_reads_the_vector_in_the_row_and_makes_the_query_once(app, world):
    """Migration 0036 keeps the vector in the entry's row (not in TOAST storage, read back for
    every entry tested), and the statement makes its tsquery once: in the generic plan that a
    prepared statement comes to, no scan, sort or filter parses the words per entry."""
    with app.app_context():
        storage = db.session.scalar(
            text(
                "SELECT attstorage FROM pg_attribute WHERE attname = 'search_vector'"
                " AND attrelid = 'guide_entry'::regclass"
            )
        )
        assert storage == "m"  # MAIN: in the row
        found, order = search._matches(select(GuideEntry.id), Language.NB, "postgresql")
        compiled = found.order_by(*order).compile(dialect=db.engine.dialect)
        given = {
            **compiled.params,
            **search.match_values(search.parse("ungdom", "nb"), "postgresql"),
        }
        names: list[str] = []

        def positional(match):
            names.append(match.group(1))
            return f"${len(names)}"

        statement = re.sub(r"%\((\w+)\)s", positional, compiled.string)
        values = ", ".join(f"'{given[name]}'" for name in names)
        connection = db.session.connection()
        connection.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        connection.exec_driver_sql(f"PREPARE probe AS {statement}")
        plan = [
            row[0] for row in connection.exec_driver_sql(f"EXPLAIN VERBOSE EXECUTE probe({values})")
        ]
        connection.exec_driver_sql("DEALLOCATE probe")
        per_entry = [line for line in plan if re.search(r"(Filter|Cond|Sort Key):", line)]
        assert per_entry and not [line for line in per_entry if "to_tsquery" in line], plan
        assert any("InitPlan" in line for line in plan)


@pytest.fixture
def words(app, world):
    """Entries that the phone walk searched for and did not find (issue 22)."""
    with app.app_context():
        published = {"status": "published"}
        make_guide_entry(title="Trygge foresatte", body="Ta med de foresatte tidlig.", **published)
        make_guide_entry(
            title="Safer cities", body="Safety walks in two cities.", language="en", **published
        )
        make_guide_entry(
            title="Libraries as meeting places",
            body="The library is open.",
            language="en",
            **published,
        )
        make_guide_entry(
            title="Family evenings", body="Families meet at the club.", language="en", **published
        )
        # Two of the groups migration 0022 starts with (the tests' tables start empty).
        db.session.add_all(
            [
                GuideSynonym(language="nb", words="foreldre, foresatte, foresatt, forelder"),
                GuideSynonym(language="en", words="family, families, parents"),
            ]
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("typed", "language", "found"),
    [
        ("city", "en", {"Safer cities"}),  # "citi", the English stem, is no prefix of "cities"
        ("safety", "en", {"Safer cities"}),
        ("library", "en", {"Libraries as meeting places"}),
        ("family", "en", {"Family evenings"}),
        ("foreldre", "nb", {"Trygge foresatte"}),  # a synonym (migration 0022's groups)
        ("parents", "en", {"Family evenings"}),  # parents ~ families, in the English groups
    ],
)
def test_english_word_forms_and_synonyms_are_found(client, words, typed, language, found):
    assert set(results(client, typed, lang=language)) == found


def test_an_editor_adds_a_synonym_and_the_search_finds_it(app, client, words, world, login):
    assert results(client, "nattevandring", lang="nb") == []
    with app.app_context():
        make_guide_entry(title="Nattevandring i Tromsø", body="Voksne går.", status="published")
        db.session.commit()
    assert results(client, "natteravn", lang="nb") == []
    login(world.admin)
    page = client.get("/guide/synonyms").data.decode()
    assert "foreldre, foresatte" in page
    nb = re.search(r'<textarea[^>]*name="nb"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    en = re.search(r'<textarea[^>]*name="en"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    response = client.post(
        "/guide/synonyms",
        data={"nb": nb + "\nnatteravn, nattevandring", "en": en},
    )
    assert response.status_code == 302
    client.post("/logout")
    assert results(client, "natteravn", lang="nb") == ["Nattevandring i Tromsø"]


def test_an_empty_result_suggests_entries_and_topics(client, words):
    response = client.get("/guide/search", query_string={"q": "trygge oppskrift", "lang": "nb"})
    page = re.sub(r"<[^>]+>", "", response.data.decode())
    assert "Trygge foresatte" in page  # has one of the words
    assert "lang=en" in response.data.decode()  # search the English guide instead


def test_the_order_columns_are_each_members_place_in_the_programme(app):
    """phase_rank, kind_rank and title_key are worked out by the database (migration 0034):
    each phase's and kind's place in its enum, the title in lower case. A new phase or kind
    fails here until a migration gives the columns its place."""
    from allin.enums import GuideKind, Phase

    with app.app_context():
        for phase in Phase:
            for kind in GuideKind:
                make_guide_entry(
                    title=f"Entry {phase.value} {kind.value} AbC", phase=phase, kind=kind
                )
        db.session.flush()
        columns = (GuideEntry.phase, GuideEntry.kind, GuideEntry.phase_rank, GuideEntry.kind_rank)
        rows = db.session.execute(select(*columns, GuideEntry.title, GuideEntry.title_key)).all()
        assert len(rows) == len(Phase) * len(GuideKind)
        for phase, kind, phase_rank, kind_rank, title, title_key in rows:
            assert phase_rank == list(Phase).index(phase), phase
            assert kind_rank == list(GuideKind).index(kind), kind
            assert title_key == title.lower()
        db.session.rollback()


def test_the_guide_index_pages_in_programme_order_and_counts_every_entry(app, client, world):
    """The index orders and counts from the listing index and reads only the page's entries
    (guide/selectors.py::page_in_programme_order): the same order, count and pages."""
    with app.app_context():
        for n in range(30):
            phase = ("prepare", "launch")[n % 3 == 0]
            make_guide_entry(title=f"Oppføring {n:02}", phase=phase, status="published")
        make_guide_entry(title="Kladd", status="draft")
        make_guide_entry(title="Entry", language="en", status="published")
        db.session.commit()

    def page(**params) -> tuple[str, list[str]]:
        html = client.get("/guide/", query_string={"lang": "nb", **params}).data.decode()
        count = re.search(r'class="guide-count" role="status">([^<]+)<', html)[1]
        return count, re.findall(r">(Oppføring \d\d)<", html)

    (total, first), (again, second) = page(), page(page=2)
    assert total == again == page(page=3)[0] == "30 oppføringer"
    assert page(page=3)[1] == []
    prepare = [f"Oppføring {n:02}" for n in range(30) if n % 3]
    launch = [f"Oppføring {n:02}" for n in range(30) if not n % 3]
    assert first + second == prepare + launch  # phase by phase, then by title
    assert page(phase="launch") == ("10 oppføringer", launch)
