"""paginate(): a page of an ORM select with its total counted along in the same query."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from allin.extensions import db
from allin.models import Cohort, Municipality
from allin.pagination import paginate
from tests.factories import make_cohort, make_municipality, make_user


@pytest.fixture
def towns(app):
    """Seven municipalities besides the test world's, named so that they sort last."""
    with app.app_context():
        for n in range(7):
            make_municipality(name=f"Ø-by {n}", slug=f"o-by-{n}")
        db.session.commit()


def names(app, count_queries, query_string: str, stmt=None, per_page: int = 3):
    stmt = stmt if stmt is not None else select(Municipality).order_by(Municipality.name)
    with app.test_request_context(query_string=query_string), count_queries() as queries:
        page = paginate(stmt, per_page=per_page)
        selects = [s for s in queries.statements if not s.startswith("BEGIN")]
        return [m.name for m in page.items], page.total, page.pages, len(selects)


def test_a_page_and_its_total_come_from_one_query(app, towns, count_queries):
    with app.app_context():
        every = db.session.scalars(select(Municipality.name).order_by(Municipality.name)).all()
    pages = [names(app, count_queries, f"page={n}") for n in (1, 2, 3, 4)]
    assert [p[0] for p in pages if p[0]] == [every[i : i + 3] for i in range(0, len(every), 3)]
    assert {(total, count) for _n, total, _p, count in pages if _n} == {(len(every), 1)}


def test_a_page_past_the_end_is_empty_and_still_counts_everything(app, towns, count_queries):
    with app.app_context():
        total = db.session.query(Municipality).count()
    items, counted, pages, queries = names(app, count_queries, "page=40")
    assert items == [] and counted == total and pages == (total + 2) // 3 and queries == 2


def test_an_empty_list_needs_no_count(app, count_queries):
    stmt = select(Municipality).where(Municipality.name == "Ingen").order_by(Municipality.id)
    assert names(app, count_queries, "", stmt) == ([], 0, 0, 1)


def test_distinct_rows_are_counted_after_distinct(app, count_queries):
    """A window counts the rows before DISTINCT: such a statement counts on its own."""
    with app.app_context():
        town = make_municipality(name="Å-by", slug="a-by")
        for n in range(4):
            make_cohort(town, name=f"Kull {n}")
        db.session.commit()
    stmt = (
        select(Municipality)
        .join(Cohort, Cohort.municipality_id == Municipality.id)
        .where(Municipality.name == "Å-by")
        .distinct()
        .order_by(Municipality.id)
    )
    assert names(app, count_queries, "", stmt)[:3] == (["Å-by"], 1, 1)


@pytest.mark.parametrize("load", [joinedload, selectinload])
def test_eager_loaded_collections_do_not_change_the_count(app, load):
    with app.app_context():
        town = make_municipality(name="Å-by", slug="a-by")
        leads = [make_user(municipality=town) for _ in range(3)]
        for n in range(5):
            make_cohort(town, name=f"Kull {n}", leads=leads)
        db.session.commit()
        town_id = town.id
    stmt = (
        select(Cohort)
        .where(Cohort.municipality_id == town_id)
        .options(load(Cohort.leads))
        .order_by(Cohort.name)
    )
    with app.test_request_context(query_string="page=2"):
        page = paginate(stmt, per_page=2)
        assert [c.name for c in page.items] == ["Kull 2", "Kull 3"] and page.total == 5
        assert all(len(c.leads) == 3 for c in page.items)
