from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.validators import UnicodeUsernameValidator

from lvzhi.core.models import Region

from .models import Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续输错5次，账号将被锁定15分钟。",
        "inactive": "该账号已被停用，请联系系统管理员。",
    }

    username = forms.CharField(label="用户名", max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PasswordChangeForm(DjangoPasswordChangeForm):
    error_messages = {
        "password_incorrect": "当前密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
        "password_unchanged": "新密码不能与当前密码相同。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "当前密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password1"].help_text = "；".join(password_validators_help_texts())
        self.fields["new_password2"].label = "再次输入新密码"

    def clean(self):
        data = super().clean()
        password = data.get("new_password2")
        if password and "new_password2" not in self.errors and self.user.check_password(password):
            self.add_error("new_password2", forms.ValidationError(self.error_messages["password_unchanged"],
                                                                  code="password_unchanged"))
        return data


class TwoFactorForm(forms.Form):
    token = forms.CharField(
        label="6位动态验证码", min_length=6, max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}",
                                      "autofocus": True}),
        error_messages={"required": "请输入验证器上显示的6位数字。", "min_length": "验证码是6位数字。",
                        "max_length": "验证码是6位数字。"},
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("验证码是6位数字。")
        return token


STATUS_CHOICES = [("", "全部状态"), ("active", "正常"), ("disabled", "已停用"), ("locked", "已锁定"),
                  ("must_change", "待修改临时密码")]


class UserFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=60,
                        widget=forms.TextInput(attrs={"placeholder": "用户名或姓名", "type": "search"}))
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部角色"), *Role.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=STATUS_CHOICES)


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        indent = "　" * max(obj.level - Region.Level.COUNTY, 0)
        return f"{indent}{obj.name}"


class UserForm(forms.Form):
    """One form for creating and editing an account; the person of a deputy is found by name and ID tail."""

    username = forms.CharField(label="用户名", max_length=150, validators=[UnicodeUsernameValidator()],
                               help_text="字母、数字或 @ . + - _，登录时使用，创建后不能修改。")
    display_name = forms.CharField(label="姓名", max_length=40, required=False)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = RegionChoiceField(
        label="管辖区划", required=False, queryset=Region.objects.none(),
        help_text="工作人员和领导必填：可查看该区划及其下级的数据。",
    )
    unit = forms.ModelChoiceField(label="所属承办单位", required=False, queryset=None,
                                  help_text="承办单位经办人必填。")
    person = forms.ModelChoiceField(label="代表本人", required=False, queryset=None, widget=forms.HiddenInput)
    person_name = forms.CharField(label="代表姓名", required=False, max_length=40)
    person_tail = forms.CharField(label="身份证号后4位", required=False, max_length=4,
                                  widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}))
    email = forms.EmailField(label="电子邮箱", required=False,
                             error_messages={"invalid": "请输入有效的电子邮箱地址，如 name@example.gov.cn。"})

    def __init__(self, *args, editing=False, **kwargs):
        from lvzhi.people.models import Person, Unit

        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(level__lte=Region.Level.TOWNSHIP).order_by("code")
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("name")
        self.fields["person"].queryset = Person.objects.select_related("region")
        self.fields["person"].error_messages["invalid_choice"] = "所选人员不存在，请重新查找。"
        if editing:
            del self.fields["username"]

    def clean_person_tail(self):
        tail = self.cleaned_data["person_tail"].strip().upper()
        if tail and not (len(tail) == 4 and tail[:3].isdigit() and (tail[3].isdigit() or tail[3] == "X")):
            raise forms.ValidationError("请输入身份证号的最后4位（数字或X）。")
        return tail

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == Role.DEPUTY and not data.get("person"):
            self.add_error("person", "代表账号须关联代表本人：请输入姓名和身份证号后4位，点“查找代表”后选择。")
        if role == Role.UNIT and not data.get("unit"):
            self.add_error("unit", "承办单位经办人须选择所属承办单位。")
        if role in (Role.OFFICE, Role.TOWNSHIP, Role.LEADER) and not data.get("region"):
            self.add_error("region", "工作人员和领导须选择管辖区划。")
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data.get(name) for name in ("display_name", "role", "region", "person", "unit", "email")}


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="操作人", required=False, max_length=60,
                            widget=forms.TextInput(attrs={"placeholder": "用户名或姓名"}))
    content_type = forms.TypedChoiceField(label="对象类型", required=False, coerce=int, empty_value=None)
    operation = forms.ChoiceField(label="操作", required=False)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": "日期格式应为 2026-01-31。"})
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": "日期格式应为 2026-01-31。"})
    text = forms.CharField(label="内容", required=False, max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": "对象名称、备注或编号", "type": "search"}))

    def __init__(self, *args, **kwargs):
        from .selectors import audited_content_types, operation_choices

        super().__init__(*args, **kwargs)
        self.fields["content_type"].choices = [("", "全部类型")] + [
            (ct.pk, str(ct.model_class()._meta.verbose_name)) for ct in audited_content_types()
        ]
        self.fields["operation"].choices = operation_choices()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: self.cleaned_data.get(key) or None for key in self.fields} | {
            "actor": self.cleaned_data.get("actor") or "",
            "operation": self.cleaned_data.get("operation") or "",
            "text": self.cleaned_data.get("text") or "",
        }
