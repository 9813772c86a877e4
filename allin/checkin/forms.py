"""The one form of check-in: the code as typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from ..fields import clean


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        filters=[clean],
        description=_l("The six digits shown on the facilitator's screen."),
        validators=[
            InputRequired(_l("Type the code shown on the screen.")),
            Length(max=20, message=_l("Type the six digits shown on the screen.")),
        ],
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "one-time-code",
            "maxlength": 20,
            "autocapitalize": "off",
        },
    )
