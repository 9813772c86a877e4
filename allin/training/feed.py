"""A cohort's sessions as an iCalendar feed (RFC 5545): titles, times, place, a link back.
No names of people: not the ambassadors', not the facilitator's."""

from __future__ import annotations

from flask_babel import gettext as _
from icalendar import Calendar, Event

from ..clock import now
from ..urls import external_url
from .times import OSLO


def calendar(cohort, sessions) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//ALL'IN//allin//NB")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"ALL'IN – {cohort.name}")
    cal.add("x-wr-timezone", "Europe/Oslo")
    stamp = now()
    for session in sessions:
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
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
