"""Password rules beyond Django's own (等保 2.0 level 2: length and mixed character classes)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARACTER_CLASSES = (
    ("upper", lambda ch: ch.isascii() and ch.isupper()),
    ("lower", lambda ch: ch.isascii() and ch.islower()),
    ("digit", lambda ch: ch.isascii() and ch.isdigit()),
    # Anything else counts as a symbol: punctuation, a space, a Chinese character.
    ("symbol", lambda ch: not (ch.isascii() and ch.isalnum())),
)


def character_classes(password: str) -> set[str]:
    return {name for name, test in CHARACTER_CLASSES for ch in password if test(ch)}


class CharacterClassValidator:
    """At least ``min_classes`` of: upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号四类中的至少 %(count)d 类。")
                % {"count": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("须包含大写字母、小写字母、数字、符号四类中的至少 %(count)d 类。") % {
            "count": self.min_classes
        }
