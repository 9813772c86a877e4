"""The pages the benchmark measures. A feature adds its pages here.

Each page is measured signed in as `role` (a login that `seed-demo` prints) in the first demo
municipality; `path` may use {…} placeholders filled from `ids()` of the benchmark database.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    role: str | None = "coordinator"  # None: a visitor who is not signed in


PAGES = [
    Page("home (coordinator)", "/"),
    Page("people list", "/admin/users/"),
    Page("people list (network)", "/admin/users/", role="network_admin"),
    Page("open invitations", "/admin/invitations/"),
    # Cohort 2 is the first municipality's active cohort (seed-demo inserts it second).
    Page("cohort list", "/cohorts/?mine=0", role="youth_worker"),
    Page("cohort overview", "/cohorts/2", role="youth_worker"),
    Page("cohort people", "/cohorts/2/people", role="youth_worker"),
    Page("cohort people, no consent", "/cohorts/2/people?missing=1", role="youth_worker"),
    Page("cohort concepts", "/cohorts/2/concepts", role="youth_worker"),
    Page("ambassador's home", "/", role="ambassador"),
    # Concept 5 is the first municipality's sustained concept (seed-demo seeds the active
    # cohorts' concepts first), with a full timeline and reach figures.
    Page("concept board", "/concepts/", role="youth_worker"),
    Page("concept page", "/concepts/5", role="youth_worker"),
    Page("concept page (team)", "/concepts/1", role="ambassador"),
    # Training (issue 10): cohort 2's sessions are ids 13-24 (the programme's twelve steps,
    # inserted after cohort 1's); 13 is its kick-off, in the past, so its roll call is open.
    Page("cohort overview (coord.)", "/cohorts/2", role="coordinator"),
    Page("cohort progress", "/cohorts/2/progress", role="coordinator"),
    Page("roll call", "/sessions/13/roll-call", role="youth_worker"),
    Page("municipality overview", "/cohorts/overview", role="coordinator"),
    Page("session list", "/cohorts/2/sessions", role="youth_worker"),
    # Exports (issue 21): the active cohort's roster and its attendance (about 30 people and
    # 12 sessions), as workbooks.
    Page("roster .xlsx", "/cohorts/2/roster.xlsx", role="youth_worker"),
    Page("attendance .xlsx", "/cohorts/2/attendance.xlsx", role="youth_worker"),
    Page("everyone .xlsx", "/cohorts/people.xlsx", role="youth_worker"),
    # The network's report (issue 20) since the first cohort, as a funder reads it: every
    # municipality, every term, rendered in full; and the same as a workbook.
    Page("network report", "/reports/?period=since_start", role="network_viewer"),
    Page("network report .xlsx", "/reports/report.xlsx?period=since_start", role="network_viewer"),
    Page("municipality report", "/reports/?period=since_start", role="coordinator"),
    # Certificates (issue 25): ambassador 1 graduated the first municipality's completed
    # cohort 1; its first opening makes the verification address (a warm-up request does).
    Page("certificate", "/ambassadors/1/certificate", role="youth_worker"),
    # Measuring effect (issue 24): the active cohort's self-assessment page (its rounds and
    # results); the report above carries the effect section.
    Page("cohort self-assessment", "/surveys/cohorts/2", role="youth_worker"),
    # The public guide (starter content), as a visitor sees it.
    Page("guide index", "/guide/", role=None),
    Page("guide entry", "/guide/arshjul-for-ambassadorprogrammet", role=None),
    Page("guide search", "/guide/search?q=ungdom", role=None),
]
