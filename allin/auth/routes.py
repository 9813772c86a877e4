"""First-run setup, sign-in and -out, invitations, password reset, one's own account."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from .. import audit
from ..access import Perm, can, get_visible_or_404, public, require
from ..confirm import confirmation_needed
from ..enums import ClaimKind
from ..errors import attempt
from ..extensions import db, limiter
from ..models import LoginSession
from ..text import slugify
from ..transactions import runs_as
from ..urls import safe_next
from . import bp, claims, invitations, selectors, services, two_factor
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    CurrentPasswordForm,
    FirstCodeForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SetupForm,
    SignInCodeForm,
)
from .login import refusal_page, refused_by_consent

# ---- first run ------------------------------------------------------------------------------


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    """Create the network admin and first municipality; exists only while no account does."""
    if not selectors.needs_setup():
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        ok, _admin = attempt(
            services.set_up,
            errors=[],
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            municipality_name=form.municipality_name.data,
            country=form.country.data,
            slug=slugify(form.municipality_name.data) or "municipality",
        )
        if not ok:
            abort(404)  # someone else finished set-up first
        db.session.commit()
        flash(
            _("ALL'IN is ready. Sign in with the e-mail address and password you chose."), "success"
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/setup.html", form=form)


# ---- signing in and out ---------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with e-mail or username; one answer for every kind of failure."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                login=form.login.data,
                password=form.password.data,
                address=request.remote_addr or "",
            )
        except services.Throttled as exc:
            db.session.commit()
            return render_template("auth/throttled.html", minutes=exc.throttle.wait_minutes), 429
        if user is None:
            db.session.commit()
            form.form_errors.append(
                _("The e-mail address, username or password is wrong. Check them and try again.")
            )
        else:
            return (
                _refused(user)
                or _password_accepted(user)
                or redirect(safe_next(request.args.get("next")))
            )
    return render_template("auth/login.html", form=form)


def _refused(user):
    """The refusal page when the consent rule refuses this ambassador a login now (the
    password was right: only then is anything told), else None."""
    if not refused_by_consent(user):
        return None
    audit.record("login.refused", target=user, reason="consent")
    db.session.commit()
    return refusal_page(user.municipality)


def _password_accepted(user):
    """After a right (or a new) password: the code step for staff who use two-factor sign-in,
    else signed in at once (returns None)."""
    if not two_factor.asks_code(user):
        _sign_in(user)
        return None
    token = two_factor.start_second_step(user)
    db.session.commit()
    _fresh_cookie_session()
    session[two_factor.SESSION_KEY] = token
    return redirect(url_for("auth.login_code", next=request.args.get("next")))


def _sign_in(user) -> None:
    """The one way to sign in: a new login session, a fresh cookie, then Flask-Login.

    Used by the sign-in form, an accepted invitation and a password reset. Commits, so the
    login session exists before the cookie that names it is sent.
    """
    token = services.start_session(user, user_agent=request.user_agent.string)
    db.session.commit()
    _fresh_cookie_session()
    g.login_token = token
    login_user(user)


def _fresh_cookie_session() -> None:
    """Drop everything the browser carried before signing in, except its language choice."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.post("/logout")
@require(Perm.USE_ACCOUNT)
def logout():
    """End this login session on the server, so a copied cookie stops working too."""
    login_session = db.session.get(LoginSession, g.login_session_id)
    if login_session is not None:
        services.end_session(login_session, actor=current_user)
    db.session.commit()
    logout_user()
    _fresh_cookie_session()
    flash(_("You are signed out."), "success")
    response = redirect(url_for("home.index"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


# ---- invitations ----------------------------------------------------------------------------


@bp.get("/invitation/<token>")
@public
@limiter.limit("30 per minute")
@runs_as("writer")
def invitation_link(token: str):
    """Trade the token in the address bar for a claim of this browser, then show a clean URL."""
    _claim_link(ClaimKind.INVITATION, services.hash_token(token[:100]))
    return redirect(url_for("auth.accept_invitation"))


def _claim_link(kind: ClaimKind, token_hash: str) -> None:
    """The cookie gets a handle; the server keeps the token's hash (never the token)."""
    claims.hold(kind, token_hash=token_hash)
    db.session.commit()


def _claimed(kind: ClaimKind, find):
    """The row behind this browser's claim of an opened link, and its status ("left" when
    the page was left idle too long: open the link again)."""
    retrying = bool(g.get("csrf_retry"))
    claim, state = claims.held(kind, touch=not retrying)
    found, status = find(claim.token_hash if claim else None)
    if not retrying:
        db.session.commit()  # the claim's last activity (or its end)
    return found, "left" if state == "idle" else status


@bp.route("/invitation", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
@runs_as("writer")
def accept_invitation():
    """Create the invited account: name, e-mail or username, password."""
    invitation, status = _claimed(ClaimKind.INVITATION, invitations.find_by_hash)
    if status != "pending":
        return _invalid_link("invitation", status)
    if current_user.is_authenticated:
        return render_template("auth/signed_in_already.html"), 409
    if invitations.refused(invitation):
        return refusal_page(invitation.municipality)
    form = AcceptInvitationForm.for_invitation(
        invitation,
        data=None
        if request.method == "POST"
        else {"name": invitation.name, "email": invitation.email},
    )
    if form.validate_on_submit():
        username = form.username.data if "username" in form else None
        ok, user = attempt(
            invitations.accept,
            invitation,
            errors=form.form_errors,
            name=form.name.data,
            email=form.email.data or None,
            username=username,
            password=form.password.data,
        )
        if ok:
            claims.release(ClaimKind.INVITATION)
            db.session.commit()
            _sign_in(user)  # also drops the invitation token from the cookie session
            flash(_("Your account is ready, and you are signed in."), "success")
            return redirect(url_for("home.index"))
    return render_template(
        "auth/accept.html", form=form, invitation=invitation, who=invitations.told_apart(invitation)
    )


@bp.post("/invitation/not-me")
@public
def not_me():
    """The way out of "Is this you?": this browser lets go of the link, which stays valid for
    the person it was made for."""
    claims.release(ClaimKind.INVITATION)
    db.session.commit()
    return render_template("auth/not_me.html")


def _invalid_link(kind: str, status: str):
    code = 404 if status == "unknown" else 410  # "left": the page was idle too long
    return render_template("auth/link_invalid.html", kind=kind, status=status), code


# ---- password reset -------------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    """Send a reset link if the account exists; the answer, and the work done before it, are
    the same either way (the e-mail is composed and sent after the response)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_reset(email=form.email.data)
        db.session.commit()
        return render_template(
            "auth/forgot_sent.html", minutes=current_app.config["PASSWORD_RESET_MINUTES"]
        )
    return render_template("auth/forgot.html", form=form)


@bp.get("/password/reset/<token>")
@public
@limiter.limit("30 per minute")
@runs_as("writer")
def reset_link(token: str):
    """Trade the token in the address bar for a claim of this browser, then show a clean URL."""
    _claim_link(ClaimKind.RESET, services.hash_token(token[:100]))
    return redirect(url_for("auth.reset_password"))


@bp.route("/password/reset", methods=["GET", "POST"])
@public
@runs_as("writer")
def reset_password():
    """Choose a new password through a valid reset link; every session of the account ends."""
    reset, status = _claimed(ClaimKind.RESET, services.find_reset_by_hash)
    if status != "valid":
        return _invalid_link("reset", status)
    form = ResetPasswordForm()
    form.extra_personal = services.personal_words(reset.user)
    if form.validate_on_submit():
        ok, user = attempt(
            services.use_reset, reset, errors=form.form_errors, new=form.password.data
        )
        if ok:
            if current_user.is_authenticated:  # someone else was signed in here: end that too
                signed_in = db.session.get(LoginSession, g.login_session_id)
                if signed_in is not None:
                    services.end_session(signed_in, actor=current_user)
            claims.release(ClaimKind.RESET)
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            return _sign_in_after_reset(user)
    return render_template("auth/reset.html", form=form, user=reset.user)


def _sign_in_after_reset(user):
    """Every other session of the account has ended; this one starts now (after the code, for
    staff who use two-factor sign-in: a reset link is not a second factor), unless the consent
    rule refuses the ambassador a login."""
    if (refusal := _refused(user)) is not None:
        _fresh_cookie_session()  # the reset link's claim goes too
        return refusal
    code_step = _password_accepted(user)  # also drops the reset token from the cookie
    if code_step is not None:
        flash(_("Your password is changed. Enter a code to sign in."), "success")
        return code_step
    flash(_("Your password is changed, and you are signed in."), "success")
    return redirect(url_for("home.index"))


# ---- one's own account ----------------------------------------------------------------------


@bp.get("/account")
@require(Perm.USE_ACCOUNT)
def account():
    """Who I am, and where I am signed in."""
    return render_template(
        "auth/account.html",
        sessions=selectors.sessions_of(current_user),
        this_session_id=g.login_session_id,
        may_use_two_factor=can(current_user, Perm.USE_TWO_FACTOR),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@require(Perm.USE_ACCOUNT)
def change_password():
    form = ChangePasswordForm()
    form.extra_personal = services.personal_words(current_user)
    if form.validate_on_submit():
        # Counted like sign-in failures, so a borrowed, signed-in phone cannot be used to
        # guess the password.
        try:
            confirmed = services.authenticate(
                login=current_user.login,
                password=form.current.data,
                address=request.remote_addr or "",
            )
        except services.Throttled as exc:
            db.session.commit()
            return render_template("auth/throttled.html", minutes=exc.throttle.wait_minutes), 429
        if confirmed is None:
            db.session.commit()
            form.current.errors.append(_("That is not your current password."))
        else:
            services.change_password(current_user, new=form.password.data)

            db.session.commit()
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.post("/account/sessions/<int:login_session_id>/end")
@require(Perm.USE_ACCOUNT)
def end_session(login_session_id: int):
    """End one of my own login sessions (another's answers 404)."""
    login_session = get_visible_or_404(LoginSession, login_session_id, current_user)
    services.end_session(login_session, actor=current_user)
    db.session.commit()
    if login_session_id == g.login_session_id:
        logout_user()
        _fresh_cookie_session()
        flash(_("You are signed out."), "success")
        return redirect(url_for("home.index"))
    flash(_("That session is ended."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/end-others")
@require(Perm.USE_ACCOUNT)
def end_other_sessions():
    if page := confirmation_needed(
        title=_("Sign out everywhere else?"),
        consequence=_(
            "Every other phone and computer where you are signed in is signed out at once. "
            "You stay signed in here."
        ),
        button=_("Sign out everywhere else"),
        cancel_url=url_for("auth.account"),
    ):
        return page
    count = services.end_sessions(
        current_user,
        actor=current_user,
        keep_id=g.login_session_id,
        reason="user_request",
    )
    db.session.commit()
    flash(
        ngettext(
            "Signed out of %(num)s other session.", "Signed out of %(num)s other sessions.", count
        ),
        "success",
    )
    return redirect(url_for("auth.account"))


# ---- two-factor sign-in for staff (SECURITY 3) ----------------------------------------------


@bp.errorhandler(services.Throttled)
def _throttled(exc: services.Throttled):
    db.session.commit()  # the failures and the audit event of the refusal
    return render_template("auth/throttled.html", minutes=exc.throttle.wait_minutes), 429


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    """The second step of signing in: a code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    pending = two_factor.find_second_step(session.get(two_factor.SESSION_KEY, ""))
    if pending is None:
        session.pop(two_factor.SESSION_KEY, None)
        flash(_("Sign in again: the code did not come in time, or too many were wrong."), "info")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    form = SignInCodeForm()
    if form.validate_on_submit():
        user = two_factor.finish_second_step(
            pending, code=form.code.data, address=request.remote_addr or ""
        )
        if user is not None:
            _sign_in(user)
            return redirect(safe_next(request.args.get("next")))
        db.session.commit()  # the wrong code counts
        form.code.errors.append(
            _("That code is not right or was used already. Try the newest code from the app.")
        )
    return render_template("auth/login_code.html", form=form)


def _reauthenticated(field) -> bool:
    """The current password typed again (SECURITY 9); wrong guesses count like sign-in
    failures, and too many raise Throttled (the 429 page above)."""
    confirmed = services.authenticate(
        login=current_user.login, password=field.data, address=request.remote_addr or ""
    )
    if confirmed is None:
        db.session.commit()
        field.errors.append(_("That is not your current password."))
        return False
    return True


def _two_factor_page(**forms):
    """My two-factor sign-in: off (set it up) or on (new recovery codes, turn it off)."""
    me = current_user
    for name in ("setup", "renew", "off"):
        forms.setdefault(f"{name}_form", CurrentPasswordForm(prefix=name))
    return render_template(
        "auth/two_factor.html",
        codes_left=two_factor.recovery_codes_left(me) if me.two_factor_enabled else None,
        required=current_app.config["REQUIRE_STAFF_2FA"],
        **forms,
    )


@bp.get("/account/two-factor")
@require(Perm.USE_TWO_FACTOR)
def two_factor_status():
    return _two_factor_page()


@bp.post("/account/two-factor/setup")
@require(Perm.USE_TWO_FACTOR)
def two_factor_setup():
    """Start enrolment with the current password: a new secret waits for its first code."""
    form = CurrentPasswordForm(prefix="setup")
    if form.validate_on_submit() and _reauthenticated(form.current):
        ok, _none = attempt(two_factor.begin_enrolment, current_user, errors=form.current.errors)
        if ok:
            db.session.commit()
            return redirect(url_for("auth.two_factor_confirm"))
    return _two_factor_page(setup_form=form)


@bp.route("/account/two-factor/confirm", methods=["GET", "POST"])
@require(Perm.USE_TWO_FACTOR)
def two_factor_confirm():
    """Scan the QR code or type the secret into an app, then prove it with a first code."""
    secret = two_factor.pending_secret(current_user)
    if secret is None:
        return redirect(url_for("auth.two_factor_status"))
    form = FirstCodeForm()
    if form.validate_on_submit():
        ok, codes = attempt(
            two_factor.confirm_enrolment, current_user, errors=form.code.errors, code=form.code.data
        )
        if ok:
            db.session.commit()
            return _recovery_codes_page(codes, first=True)
    return render_template(
        "auth/two_factor_confirm.html",
        form=form,
        qr=two_factor.qr_svg(current_user, secret),
        secret=two_factor.grouped(secret),
    )


def _recovery_codes_page(codes: list[str], *, first: bool):
    """Shown once, as the answer to the POST that made them: they are stored only as hashes
    and never travel in a cookie or a redirect."""
    return render_template("auth/recovery_codes.html", codes=codes, first=first)


@bp.post("/account/two-factor/recovery-codes")
@require(Perm.USE_TWO_FACTOR)
def two_factor_recovery_codes():
    """Ten new recovery codes; the old ones stop working."""
    form = CurrentPasswordForm(prefix="renew")
    if form.validate_on_submit() and _reauthenticated(form.current):
        ok, codes = attempt(
            two_factor.renew_recovery_codes, current_user, errors=form.current.errors
        )
        if ok:
            db.session.commit()
            return _recovery_codes_page(codes, first=False)
    return _two_factor_page(renew_form=form)


@bp.post("/account/two-factor/off")
@require(Perm.USE_TWO_FACTOR)
def two_factor_off():
    form = CurrentPasswordForm(prefix="off")
    if form.validate_on_submit() and _reauthenticated(form.current):
        ok, _none = attempt(
            two_factor.turn_off,
            current_user,
            errors=form.current.errors,
            keep_session_id=g.login_session_id,
        )
        if ok:
            db.session.commit()
            flash(_("Two-factor sign-in is off. You are signed out everywhere else."), "success")
            return redirect(url_for("auth.two_factor_status"))
    return _two_factor_page(off_form=form)
