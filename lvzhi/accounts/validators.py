import re

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """At least three of: upper-case letters, lower-case letters, digits, other symbols."""

    def validate(self, password, user=None):
        classes = sum(
            bool(re.search(pattern, password)) for pattern in (r"[A-Z]", r"[a-z]", r"[0-9]", r"[^A-Za-z0-9]")
        )
        if classes < 3:
            raise ValidationError("密码需包含大写字母、小写字母、数字、符号中的至少三类。", code="password_classes")

    def get_help_text(self):
        return "密码需包含大写字母、小写字母、数字、符号中的至少三类。"
