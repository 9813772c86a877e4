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
from flask_login import current_user, login_user, logout_user

from .. import demo
from ..access import Perm, get_visible_or_404, public, require
from ..enums import ClaimKind
from ..errors import attempt
from ..extensions import db, limiter
from ..models import LoginSession
from ..urls import safe_next
from . import bp, claims, invitations, selectors, services
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SetupForm,
)

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
            slug=demo.slugify(form.municipality_name.data) or "municipality",
        )
        if not ok:
            abort(404)  # someone else finished set-up first
        db.session.commit()
        flash(
            _("allin is ready. Sign in with the e-mail address and password you chose."), "success"
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/setup.html", form=form)


@bp.post("/setup/demo")
@public
def setup_demo():
    """Load the demo network instead, and show its logins once."""
    if not selectors.needs_setup():
        abort(404)
    password = demo.demo_password()
    ok, accounts = attempt(services.set_up_demo, errors=[], password=password)
    if not ok:
        abort(404)
    db.session.commit()
    return render_template("auth/setup_demo.html", accounts=accounts, password=password)


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
            token = services.start_session(user, user_agent=request.user_agent.string)
            db.session.commit()
            _fresh_cookie_session()
            g.login_token = token
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


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
def accept_invitation():
    """Create the invited account: name, e-mail or username, password."""
    invitation, status = _claimed(ClaimKind.INVITATION, invitations.find_by_hash)
    if status != "pending":
        return _invalid_link("invitation", status)
    if current_user.is_authenticated:
        return render_template("auth/signed_in_already.html"), 409
    form = AcceptInvitationForm.for_invitation(
        invitation,
        data=None
        if request.method == "POST"
        else {"name": invitation.name, "email": invitation.email},
    )
    if form.validate_on_submit():
        username = form.username.data if "username" in form else None
        ok, _user = attempt(
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
            flash(_("Your account is ready. Sign in to continue."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/accept.html", form=form, invitation=invitation)


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
def reset_link(token: str):
    """Trade the token in the address bar for a claim of this browser, then show a clean URL."""
    _claim_link(ClaimKind.RESET, services.hash_token(token[:100]))
    return redirect(url_for("auth.reset_password"))


@bp.route("/password/reset", methods=["GET", "POST"])
@public
def reset_password():
    """Choose a new password through a valid reset link; every session of the account ends."""
    reset, status = _claimed(ClaimKind.RESET, services.find_reset_by_hash)
    if status != "valid":
        return _invalid_link("reset", status)
    form = ResetPasswordForm()
    form.extra_personal = services.personal_words(reset.user)
    if form.validate_on_submit():
        ok, _user = attempt(
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
                _fresh_cookie_session()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=reset.user)


# ---- one's own account ----------------------------------------------------------------------


@bp.get("/account")
@require(Perm.USE_ACCOUNT)
def account():
    """Who I am, and where I am signed in."""
    return render_template(
        "auth/account.html",
        sessions=selectors.sessions_of(current_user),
        this_session_id=g.login_session_id,
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
    count = services.end_sessions(
        current_user,
        actor=current_user,
        keep_id=g.login_session_id,
        reason="user_request",
    )
    db.session.commit()
    flash(_("Signed out of %(count)s other sessions.", count=count), "success")
    return redirect(url_for("auth.account"))
