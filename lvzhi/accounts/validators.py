"""The password policy, with messages in Chinese (Django's own translations miss some of them)."""

import re

from django.contrib.auth import password_validation as django_validators
from django.core.exceptions import ValidationError

# Words an attacker tries first here, beyond Django's list of 20,000 common passwords.
_LOCAL_WORDS = {"lvzhi", "lvzhitong", "renda", "rendadaibiao", "daibiao", "admin", "administrator", "root",
                "woaini", "zhongguo", "china", "qwerty", "qwertyuiop", "asdfgh", "zxcvbn", "abc", "abcd"}


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


class MinimumLengthValidator(django_validators.MinimumLengthValidator):
    def __init__(self, min_length=10):
        super().__init__(min_length)

    def get_error_message(self):
        return f"密码太短，至少需要{self.min_length}个字符。"

    def get_help_text(self):
        return f"密码至少{self.min_length}个字符。"


class CommonPasswordValidator(django_validators.CommonPasswordValidator):
    """Refuses a common password, and a common word dressed up with capitals, digits or symbols
    (Password2024!, Admin@12345), which is what password rules push people to."""

    def validate(self, password, user=None):
        lowered = password.lower().strip()
        core = re.sub(r"[^a-z]", "", lowered)
        if (
            lowered in self.passwords
            or core in _LOCAL_WORDS
            or (len(core) >= 4 and core in self.passwords and len(core) * 2 >= len(lowered))
        ):
            raise ValidationError("这个密码太常见，容易被猜中，请换一个。", code="password_too_common")

    def get_help_text(self):
        return "不能使用常见密码，也不能只是在常见单词后加数字或符号。"


class NumericPasswordValidator(django_validators.NumericPasswordValidator):
    def get_error_message(self):
        return "密码不能全是数字。"

    def get_help_text(self):
        return "密码不能全是数字。"


class UserAttributeSimilarityValidator(django_validators.UserAttributeSimilarityValidator):
    """Not like the username (or the display name, the e-mail): compared both ways, ignoring case."""

    DEFAULT_USER_ATTRIBUTES = ("username", "display_name", "email", "first_name", "last_name")

    def __init__(self, user_attributes=DEFAULT_USER_ATTRIBUTES, max_similarity=0.7):
        super().__init__(user_attributes, max_similarity)

    def validate(self, password, user=None):
        if user is not None:
            lowered = password.lower()
            username = (getattr(user, "username", "") or "").lower()
            if len(username) >= 3 and (username in lowered or lowered in username):
                raise ValidationError("密码不能包含用户名，也不能与用户名相似。", code="password_too_similar")
        try:
            super().validate(password, user)
        except ValidationError as exc:
            raise ValidationError("密码与用户名、姓名或邮箱太相似，请换一个。", code="password_too_similar") from exc

    def get_help_text(self):
        return "密码不能与用户名、姓名或邮箱相似。"
