"""A cohort's sessions as an iCalendar feed (RFC 5545): titles, times, place, a link back.
No names of people: not the ambassadors', not the facilitator's."""

from __future__ import annotations

from flask_babel import gettext as _
from icalendar import Calendar, Event

from ..clock import now
from ..urls import external_url
from .times import OSLO


def _calendar(name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//ALL'IN//allin//NB")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Oslo")
    return cal


def session_event(session, stamp) -> Event:
    """One session as a VEVENT: the feed's and the e-mails' (same UID, so a calendar that
    has it from one knows it from the other)."""
    link = external_url("training.detail", session_id=session.id)
    event = Event()
    event.add("uid", f"session-{session.id}@allin")
    event.add("dtstamp", stamp)
    event.add("last-modified", session.updated_at)
    event.add("dtstart", session.starts_at.astimezone(OSLO))
    event.add("dtend", session.ends_at.astimezone(OSLO))
    event.add("summary", session.title)
    place = session.place or session.online_url
    if place:
        event.add("location", place)
    event.add("url", link)
    event.add(
        "description",
        _("%(phase)s. Agenda and details: %(link)s", phase=session.phase.label, link=link),
    )
    event.add("status", "CANCELLED" if session.cancelled_at else "CONFIRMED")
    return event


def calendar(cohort, sessions) -> bytes:
    cal = _calendar(f"ALL'IN – {cohort.name}")
    stamp = now()
    for session in sessions:
        cal.add_component(session_event(session, stamp))
    cal.add_missing_timezones()
    return cal.to_ical()


def session_invitation(session, *, method: str, organizer: str | None = None) -> bytes:
    """One session for an e-mail's .ics (RFC 5546): METHOD:PUBLISH to add or update it,
    METHOD:CANCEL to take it out. SEQUENCE grows with every change (the last change's
    time in seconds), so a calendar applies the newest message."""
    cal = _calendar()
    cal.add("method", method)
    event = session_event(session, now())
    event.add("sequence", int(session.updated_at.timestamp()))
    if organizer:
        event.add("organizer", f"mailto:{organizer}", parameters={"cn": "ALL'IN"})
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
