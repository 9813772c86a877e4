"""The entry form: limits stated once, messages next to the field, nothing trusted."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..converters import whole_number
from ..enums import GuideKind, GuideStatus, Language, Phase
from ..fields import clean, no_control_characters
from ..models.guide import SLUG_LENGTH, SUMMARY_LENGTH, SYNONYM_LENGTH, TITLE_LENGTH
from .services import body_limit, parse_tags, tags_problem


def _choices(enum_cls, members=None) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in enum_cls.choices(members)]


def clean_text(value):
    """Multi-line text: NFC, Windows line ends made plain, trailing space trimmed."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip()


def no_control_except_lines(form, field):
    """Like no_control_characters, but new lines and tabs are fine in a long text."""
    if field.data and any(
        (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F or c in "\u202e\u202d"
        for c in field.data
    ):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


class EntryForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[clean],
        validators=[
            DataRequired(_l("Give the entry a title.")),
            Length(max=TITLE_LENGTH, message=_l("Use at most %(max)d characters.")),
            no_control_characters,
        ],
        render_kw={"maxlength": TITLE_LENGTH},
    )
    kind = SelectField(_l("Kind"), choices=_choices(GuideKind), validators=[InputRequired()])
    phase = SelectField(
        _l("Programme phase"), choices=_choices(Phase), validators=[InputRequired()]
    )
    language = SelectField(
        _l("Language of the text"), choices=_choices(Language), validators=[InputRequired()]
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("One or two sentences: shown in lists, search results and shared links."),
        filters=[clean],
        validators=[
            DataRequired(_l("Write a short summary.")),
            Length(max=SUMMARY_LENGTH, message=_l("Use at most %(max)d characters.")),
            no_control_characters,
        ],
        render_kw={"rows": 3, "maxlength": SUMMARY_LENGTH},
    )
    body = TextAreaField(
        _l("Text"),
        description=_l(
            "Markdown: # heading, **bold**, *italic*, - list, [link](https://…), > quote, "
            "tables. HTML is shown as text."
        ),
        filters=[clean_text],
        validators=[Optional(), no_control_except_lines],
        render_kw={"rows": 18},
    )
    tags = StringField(
        _l("Tags"),
        description=_l("Separated by commas, for example: camp, recruiting, schools."),
        filters=[clean],
        validators=[Optional(), no_control_characters],
    )
    slug = StringField(
        _l("Address"),
        description=_l(
            "The end of the entry's web address. Leave empty to make it from the title; "
            "if you change it, the old address leads here."
        ),
        filters=[lambda v: clean(v).lower() if isinstance(v, str) else v],
        validators=[Optional(), Length(max=SLUG_LENGTH), no_control_characters],
        render_kw={"maxlength": SLUG_LENGTH, "autocapitalize": "none", "spellcheck": "false"},
    )
    status = SelectField(_l("Status"), validators=[InputRequired()])
    version = HiddenField()
    counterpart = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    def __init__(self, *args, statuses, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = _choices(GuideStatus, statuses)
        if editing:
            del self.language
            del self.counterpart
        else:
            del self.version

    def validate_body(self, field):
        limit = body_limit()
        if field.data and len(field.data) > limit:
            raise ValidationError(
                _l(
                    "The text is too long: at most %(max)s characters, this one has %(count)s. "
                    "Split it into several entries.",
                    max=format_decimal(limit),
                    count=format_decimal(len(field.data)),
                )
            )

    def validate_tags(self, field):
        problem = tags_problem(parse_tags(field.data or ""))
        if problem:
            raise ValidationError(problem)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # A hidden field has no place on the page for its message: it goes above the form.
        for field in (self.version, self.counterpart):
            if field is not None:
                self.form_errors.extend(field.errors)
        return valid

    def validate_version(self, field):
        if whole_number(field.data) is None:
            raise ValidationError(_l("Reload the page and try again."))


class PreviewForm(FlaskForm):
    """The live preview sends only the text (and the CSRF token)."""

    body = TextAreaField(filters=[clean_text], validators=[Optional()])


class ImageForm(FlaskForm):
    """A picture for the guide. Photos of young people need their photo consent first."""

    picture = FileField(
        _l("Picture"),
        description=_l("JPEG, PNG or WebP. Location and camera details are removed on upload."),
    )
    consent = BooleanField(
        _l(
            "No young person can be recognised in the picture, or everyone who can has given "
            "photo consent that allows it to be published."
        ),
        validators=[DataRequired(_l("Confirm this before you upload the picture."))],
    )


SYNONYM_WORD = re.compile(r"^[^\W\d_]{2,40}$")
MAX_SYNONYM_GROUPS = 200


class SynonymsForm(FlaskForm):
    """The search's synonyms, one group a line, words separated by commas, per language."""

    nb = TextAreaField(_l("Norwegian (bokmål)"), filters=[clean_text], render_kw={"rows": 10})
    en = TextAreaField(_l("English"), filters=[clean_text], render_kw={"rows": 10})

    def validate_nb(self, field):
        _check_groups(field)

    def validate_en(self, field):
        _check_groups(field)

    def groups(self, field) -> list[str]:
        """The groups as they are stored: words lower-case, ", " between them."""
        return [", ".join(words) for words in _lines(field.data)]


def _lines(text: str | None) -> list[list[str]]:
    groups = []
    for line in (text or "").splitlines():
        words = [w.strip().lower() for w in line.split(",") if w.strip()]
        if words:
            groups.append(list(dict.fromkeys(words)))
    return groups


def _check_groups(field) -> None:
    groups = _lines(field.data)
    if len(groups) > MAX_SYNONYM_GROUPS:
        raise ValidationError(_l("At most %(max)s groups.", max=MAX_SYNONYM_GROUPS))
    for number, words in enumerate(groups, start=1):
        if len(words) < 2:
            raise ValidationError(
                _l(
                    "Line %(line)s: a group needs at least two words, separated by commas.",
                    line=number,
                )
            )
        bad = [w for w in words if not SYNONYM_WORD.match(w)]
        if bad:
            raise ValidationError(
                _l(
                    "Line %(line)s: “%(word)s” is not one word of letters.",
                    line=number,
                    word=bad[0][:40],
                )
            )
        if len(", ".join(words)) > SYNONYM_LENGTH:
            raise ValidationError(_l("Line %(line)s is too long.", line=number))
