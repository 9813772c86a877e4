"""What each audit action is called on the audit page (the action names are the code's)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "ambassador.created": _l("Ambassador added"),
    "ambassador.login_created": _l("Ambassador's login made"),
    "ambassador.login_stopped": _l("Ambassador's login paused"),
    "ambassador.updated": _l("Ambassador's details changed"),
    "ambassador.viewed": _l("Ambassador's page viewed"),
    "ambassador.erased": _l("Ambassador's data erased"),
    "ambassador.hold_set": _l("Legal hold set"),
    "ambassador.hold_cleared": _l("Legal hold lifted"),
    "attendance.corrected": _l("Roll call corrected"),
    "attendance.rest_absent": _l("The rest marked absent"),
    "attendance.rest_present": _l("Everyone not yet marked marked present"),
    "calendar.rotated": _l("Calendar address replaced"),
    "cohort.created": _l("Cohort created"),
    "concept.checkins_made": _l("Follow-up check-ins planned"),
    "concept.checkin_done": _l("Follow-up check-in recorded"),
    "concept.started_from": _l("Concept started from a best case"),
    "survey.opened": _l("Self-assessment round opened"),
    "survey.closed": _l("Self-assessment round closed"),
    "cohort.status_changed": _l("Cohort's status changed"),
    "cohort.updated": _l("Cohort changed"),
    "concept.best_case_proposed": _l("Concept proposed as a best case"),
    "concept.created": _l("Concept started"),
    "concept.file_added": _l("File added to a concept"),
    "concept.file_removed": _l("File removed from a concept"),
    "concept.saved": _l("Concept saved"),
    "concept.stage_changed": _l("Concept moved to another stage"),
    "concept.submitted": _l("Concept submitted"),
    "consent.given": _l("Consent recorded"),
    "consent.withdrawn": _l("Consent withdrawn"),
    "enrolment.created": _l("Enrolled in a cohort"),
    "enrolment.status_changed": _l("Enrolment's status changed"),
    "enrolment.withdrawn": _l("Left a cohort"),
    "data.downloaded": _l("Copy of personal data downloaded"),
    "export.downloaded": _l("Spreadsheet downloaded"),
    "guardian_consent.answered": _l("Guardian answered a consent link"),
    "guardian_consent.link_made": _l("Consent link for a guardian made"),
    "guide.entry_created": _l("Guide entry created"),
    "guide.entry_saved": _l("Guide entry saved"),
    "guide.synonyms_changed": _l("Guide search synonyms changed"),
    "guide.image_deleted": _l("Guide picture deleted"),
    "guide.image_uploaded": _l("Guide picture uploaded"),
    "import.confirmed": _l("Class list imported"),
    "invitation.accepted": _l("Invitation accepted"),
    "invitation.renewed": _l("Invitation renewed"),
    "invitation.revoked": _l("Invitation revoked"),
    "invitation.sent": _l("Invitation made"),
    "login.code_asked": _l("Sign-in code asked for"),
    "login.code_failed": _l("Wrong sign-in code"),
    "login.failed": _l("Failed sign-in"),
    "login.locked": _l("Sign-in locked"),
    "login.refused": _l("Sign-in refused"),
    "login.succeeded": _l("Signed in"),
    "login.throttled": _l("Too many sign-in attempts"),
    "municipality.created": _l("Municipality added"),
    "municipality.updated": _l("Municipality changed"),
    "password.changed": _l("Password changed"),
    "password.reset": _l("Password reset"),
    "password.reset_created": _l("Password link made"),
    "retention.ran": _l("Data past its retention time erased"),
    "session.cancelled": _l("Session cancelled"),
    "signup.accepted": _l("Sign-up accepted"),
    "signup.declined": _l("Sign-up declined"),
    "signup.received": _l("Sign-up received"),
    "signup_form.closed": _l("Sign-up form closed"),
    "signup_form.opened": _l("Sign-up form opened"),
    "session.created": _l("Session scheduled"),
    "session.ended": _l("A sign-in ended"),
    "session.programme_applied": _l("Sessions made from the programme"),
    "session.updated": _l("Session changed"),
    "sessions.ended": _l("All sign-ins ended"),
    "setup.completed": _l("The app was set up"),
    "two_factor.disabled": _l("Two-factor sign-in turned off"),
    "two_factor.enabled": _l("Two-factor sign-in turned on"),
    "two_factor.enrolment_started": _l("Two-factor sign-in being set up"),
    "two_factor.recovery_code_used": _l("Recovery code used"),
    "two_factor.recovery_codes_renewed": _l("New recovery codes"),
    "two_factor.reset": _l("Two-factor sign-in reset"),
    "user.deactivated": _l("Account deactivated"),
    "user.erased": _l("Account erased"),
    "user.reactivated": _l("Account reactivated"),
    "user.role_changed": _l("Role changed"),
}


# What an event is about: the record's type, as audit.record() writes it (the model's name).
OBJECTS = {
    "user": _l("Person"),
    "ambassador": _l("Ambassador"),
    "cohort": _l("Cohort"),
    "concept": _l("Concept"),
    "consent": _l("Consent"),
    "enrolment": _l("Enrolment"),
    "invitation": _l("Invitation"),
    "municipality": _l("Municipality"),
    "guideentry": _l("Guide entry"),
    "guideimage": _l("Guide picture"),
    "trainingsession": _l("Session"),
    "attachment": _l("File"),
    "cohortimport": _l("Class list"),
    "calendarfeed": _l("Calendar address"),
}


def about(object_type: str | None, object_id: int | None) -> str:
    """ "Cohort 12": the record an event is about, by type and number."""
    if not object_type:
        return ""
    name = str(OBJECTS.get(object_type, object_type))
    return f"{name} {object_id}" if object_id else name


def label(action: str) -> str:
    """The action's name for people; the code's name for one without a label yet."""
    return str(ACTIONS.get(action, action))
