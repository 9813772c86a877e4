"""The report page and its downloads: the same figures, chosen by the same query string."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import abort, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Perm, chooses_municipality, require
from ..clock import now
from ..exports import Table, download
from ..training.times import to_local
from . import bp
from .charts import chart
from .effect import Effect, effect, still_running
from .figures import Scope, scope_of
from .forms import ReportForm
from .periods import PRESETS, Period, preset
from .report import COLUMNS, SECTIONS, TOTAL, TREND, Report, build, min_cell


@dataclass(frozen=True)
class Choice:
    """What the query string asks for, once it has been checked against the reader's scope."""

    form: ReportForm
    scope: Scope
    network: bool
    chosen: int | None  # one municipality, or None for all the reader's
    period: Period | None  # None while the form has errors

    @property
    def args(self) -> dict:
        """The query string of this choice (for the presets, downloads and the comparison)."""
        args = {"starts": self.period.starts.isoformat(), "ends": self.period.ends.isoformat()}
        if self.network and self.chosen:
            args["municipality"] = self.chosen
        return args

    @property
    def focus(self):
        """Whose terms are drawn: the chosen municipality, the network, or one's own."""
        if self.chosen and self.network:
            return self.chosen
        return TOTAL if self.network else self.scope.municipalities[0][0]

    def shown(self, report: Report) -> list:
        """The rows of the tables: the chosen municipality and the network, or every one."""
        if self.network and self.chosen:
            return [self.chosen, TOTAL]
        return [entity for entity, _name in report.entities]

    def name(self, entity) -> str:
        if entity == TOTAL:
            return _("Network total")
        return dict(self.scope.municipalities)[entity]


def _choice() -> Choice:
    network = chooses_municipality(current_user)
    scope = scope_of(current_user)
    if not scope.municipalities:
        abort(404)
    form = ReportForm(
        request.args,
        municipalities=scope.municipalities if network else None,
        figures=[(key, column.label) for key, column in COLUMNS.items()],
    )
    chosen = _chosen(scope)
    period = None
    if form.validate():
        if form.starts.data:
            period = Period(form.starts.data, form.ends.data)
        else:
            period = preset(form.period.data or "this_year", scope.first_day)
    return Choice(form, scope, network, chosen, period)


def _chosen(scope: Scope) -> int | None:
    """The municipality asked for: one of the reader's, else 404 (a coordinator may name only
    their own, which is also what they get without asking)."""
    raw = request.args.get("municipality", "")
    if not raw:
        return None
    ids = {id_ for id_, _name in scope.municipalities}
    if not raw.isdigit() or int(raw) not in ids:
        abort(404)
    return int(raw)


@bp.get("/")
@require(Perm.VIEW_REPORTS)
def index():
    """The report for a period: a table per theme, the terms as charts, and a comparison."""
    choice = _choice()
    if choice.period is None:
        return render_template("reports/index.html", choice=choice, report=None), 400
    report = build(current_user, choice.period, choice.scope.municipalities, choice.network)
    figure = choice.form.figure.data
    return render_template(
        "reports/index.html",
        choice=choice,
        report=report,
        sections=SECTIONS,
        rows=[(choice.name(entity), entity) for entity in choice.shown(report)],
        trends=_trends(choice, report),
        comparison=_comparison(choice, report, figure)
        if choice.network and not choice.chosen
        else None,
        presets=_presets(choice),
        min_cell=min_cell(),
        made=now(),
        effect=_effect(choice),
        running=still_running(_ids(choice), choice.period).get(choice.focus, 0),
    )


def _effect(choice: Choice) -> Effect:
    """The self-assessment's change, of the municipality or the network shown in focus."""
    return effect(_ids(choice), choice.period, min_cell()).get(choice.focus) or Effect()


def _ids(choice: Choice) -> list[int]:
    return [id_ for id_, _name in choice.scope.municipalities]


@bp.get("/report.<any(csv, xlsx):kind>")
@require(Perm.VIEW_REPORTS)
def export(kind: str):
    """The same report as a spreadsheet: the period, the scope, the date and the rule first."""
    choice = _choice()
    if choice.period is None:
        return render_template("reports/index.html", choice=choice, report=None), 400
    report = build(current_user, choice.period, choice.scope.municipalities, choice.network)
    notes = _notes(choice)
    columns = list(COLUMNS.values())
    headings = [_("Municipality")] + [_heading(column) for column in columns]
    main = Table(
        _("Report"),
        headings,
        [
            [choice.name(entity)] + [_cell(s) for s in report.row(entity)]
            for entity in choice.shown(report)
        ],
        notes,
    )
    tables = [main]
    if kind == "xlsx":
        trend_columns = [COLUMNS[key] for key in TREND]
        tables.append(
            Table(
                _("Terms"),
                [_("Term")] + [_heading(column) for column in trend_columns],
                [
                    [term.label]
                    + [_cell(report.cell(choice.focus, bucket, c.key)) for c in trend_columns]
                    for bucket, term in enumerate(report.terms, start=1)
                ],
                notes + (_("Terms of: %(name)s", name=choice.name(choice.focus)),),
            )
        )
        tables.append(_effect_table(choice, notes))
    return download(
        tables,
        kind,
        name=_("report %(starts)s %(ends)s", starts=choice.period.starts, ends=choice.period.ends),
        actor=current_user,
        target=None,
        what="report",
        scope="network" if choice.network and not choice.chosen else "municipality",
        municipality=choice.chosen or (None if choice.network else choice.focus),
        starts=choice.period.starts.isoformat(),
        ends=choice.period.ends.isoformat(),
    )


def _effect_table(choice: Choice, notes: tuple[str, ...]) -> Table:
    """The page's effect section as a sheet: each statement's average at the kick-off and at
    the end, the change, and the share who answered 4 or 5 (never the comments)."""
    shown = _effect(choice)
    rows = [
        [str(text), _average(before), _average(after), _average(change), agreed, agree_after]
        for text, before, after, change, agreed, agree_after in shown.rows()
    ]
    return Table(
        _("Effect"),
        [_("Statement"), _("Kick-off"), _("End"), _("Change")]
        + [_("4 or 5 at the kick-off"), _("4 or 5 at the end")],
        rows,
        notes
        + (
            _(
                "Cohorts: %(cohorts)s. Answers at the kick-off: %(before)s; at the end: %(after)s.",
                cohorts=shown.cohorts,
                before=shown.before.answers,
                after=shown.after.answers,
            ),
            _("Of: %(name)s", name=choice.name(choice.focus)),
        ),
    )


def _average(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _heading(column) -> str:
    for title, columns in SECTIONS:
        if column in columns:
            return f"{title}: {column.label}"
    raise LookupError(column.key)


def _cell(shown):
    return shown.mark if shown.hidden else shown.value


def _notes(choice: Choice) -> tuple[str, ...]:
    limit = min_cell()
    scope = (
        choice.name(choice.chosen)
        if choice.chosen
        else (
            _("Every municipality of the network") if choice.network else choice.name(choice.focus)
        )
    )
    return (
        _("ALL'IN report"),
        _(
            "Period: %(starts)s to %(ends)s",
            starts=format_date(choice.period.starts, "long"),
            ends=format_date(choice.period.ends, "long"),
        ),
        _("Municipalities: %(scope)s", scope=scope),
        _("Made: %(day)s", day=format_date(to_local(now()).date(), "long")),
        _(
            "Counts of young people from 1 to %(below)s are shown as <%(limit)s; "
            '":" marks a figure kept back so that a small number cannot be worked out '
            "from the totals, or a share of fewer than %(limit)s.",
            below=limit - 1,
            limit=limit,
        ),
    )


def _trends(choice: Choice, report: Report):
    labels = [term.label for term in report.terms]  # each translated once, not per chart
    charts = []
    for key in TREND:
        column = COLUMNS[key]
        items = [
            (label, report.cell(choice.focus, bucket, key))
            for bucket, label in enumerate(labels, start=1)
        ]
        charts.append(chart(key, str(column.label), items, share=bool(column.rate)))
    return charts


def _comparison(choice: Choice, report: Report, figure: str):
    column = COLUMNS[figure]
    items = [
        (name, report.cell(entity, 0, figure))
        for entity, name in report.entities
        if entity != TOTAL
    ]
    return chart(figure, str(column.label), items, share=bool(column.rate))


def _presets(choice: Choice) -> list[tuple[str, str, bool]]:
    """(label, link, current) for each preset period."""
    links = []
    for name, label in PRESETS.items():
        period = preset(name, choice.scope.first_day)
        args = {**choice.args, "starts": period.starts.isoformat(), "ends": period.ends.isoformat()}
        links.append((str(label), url_for("reports.index", **args), period == choice.period))
    return links
