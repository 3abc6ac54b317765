"""Forms of the handling unit's pages (contact log, co-unit opinion, reply with commitments, delivery, return)."""

from django import forms
from django.utils import timezone

from .models import ContactLog, Reply

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        files = [d for d in data if d] if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        return [single(f, initial) for f in files]


class ContactForm(forms.Form):
    stage = forms.ChoiceField(label="阶段", choices=ContactLog.Stage.choices, widget=forms.RadioSelect,
                              error_messages={"required": "请选择沟通阶段"})
    form = forms.ChoiceField(label="方式", choices=ContactLog.Form.choices, widget=forms.RadioSelect,
                             error_messages={"required": "请选择沟通方式"})
    date = forms.DateField(label="日期", widget=DATE, error_messages={"required": "请填写沟通日期",
                                                                    "invalid": "日期格式不对，请按 2026-12-08 填写"})
    participants = forms.CharField(label="参加人员", max_length=300,
                                   error_messages={"required": "请填写参加人员", "max_length": "参加人员不能超过300字"})
    summary = forms.CharField(label="沟通情况", widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": "请填写沟通情况"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class CoOpinionForm(forms.Form):
    text = forms.CharField(label="协办意见", widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": "请填写协办意见"})


class ReplyForm(forms.Form):
    text = forms.CharField(label="答复内容", widget=forms.Textarea(attrs={"rows": 8}),
                           error_messages={"required": "请填写答复内容"})
    result = forms.ChoiceField(label="办理结果", choices=Reply.Result.choices, widget=forms.RadioSelect,
                               error_messages={"required": "请选择办理结果（A、B或C类）"})
    signer = forms.CharField(label="签发人", max_length=60,
                             error_messages={"required": "请填写签发人", "max_length": "签发人不能超过60字"})
    attachments = MultipleFileField(label="附件（可选）", required=False,
                                    help_text="答复函扫描件等，PDF、Word、OFD 或照片，每个不超过 20 MB")
    sms = forms.BooleanField(label="同时短信通知代表", required=False)


class CommitmentForm(forms.Form):
    text = forms.CharField(label="承诺事项", max_length=300, required=False,
                           error_messages={"max_length": "承诺事项不能超过300字"})
    due_date = forms.DateField(label="完成时间", widget=DATE, required=False,
                               error_messages={"invalid": "日期格式不对，请按 2026-12-08 填写"})


CommitmentFormSet = forms.formset_factory(CommitmentForm, extra=3, max_num=20)


class DeliverForm(forms.Form):
    delivered_on = forms.DateField(label="落实日期", widget=DATE,
                                   error_messages={"required": "请填写落实日期",
                                                   "invalid": "日期格式不对，请按 2026-12-08 填写"})
    note = forms.CharField(label="落实情况", widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "请填写落实情况"})
    files = MultipleFileField(label="佐证材料", help_text="现场照片、文件等，至少一份",
                              error_messages={"required": "请上传至少一份佐证材料（照片或文件）；没有佐证不能登记为已落实"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivered_on"].initial = timezone.localdate()


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请写明申请退回的理由",
                                             "max_length": "退回理由不能超过300字"})
