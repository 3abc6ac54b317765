from django import forms
from django.utils import timezone

from . import laws
from .models import HandbookEntry, Part, Question, Quiz

LETTERS = "ABCDEFGH"


class EntryForm(forms.Form):
    part = forms.ChoiceField(label="部分", choices=Part.choices)
    question = forms.CharField(label="问题", max_length=200)
    answer = forms.CharField(label="回答", widget=forms.Textarea(attrs={"rows": 10}),
                             help_text="分段写，每段一行；用平实的话说清楚代表该怎么做")
    citations = forms.CharField(
        label="法律依据", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一条，如“代表法第三十三条”或“代表法 33”；可引用代表法、地方组织法、选举法、监督法、宪法（现行文本）")
    note = forms.CharField(label="修改说明", max_length=200, required=False,
                           help_text="说明为什么修改，记入历史版本")

    def __init__(self, *args, editing: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["note"]

    def clean_citations(self):
        citations, errors = laws.parse_citations(self.cleaned_data["citations"])
        if errors:
            raise forms.ValidationError(errors)
        if not citations:
            raise forms.ValidationError("至少填写一条法律依据")
        return citations

    @classmethod
    def initial_for(cls, entry: HandbookEntry) -> dict:
        return {"part": entry.part, "question": entry.question, "answer": entry.answer,
                "citations": laws.citations_text(entry.citations)}


class EntryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number}. {obj.question}"


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label="题型", choices=Question.Kind.choices)
    text = forms.CharField(label="题目", max_length=400, widget=forms.Textarea(attrs={"rows": 3}))
    options = forms.CharField(
        label="选项", required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一个选项，依次为 A、B、C……；判断题不用填（固定为“正确”“错误”）")
    answer = forms.CharField(label="正确答案", max_length=20,
                             help_text="填选项字母，如 A 或 ACD；判断题填“正确”或“错误”")
    entry = EntryChoiceField(label="对应问答", queryset=HandbookEntry.objects.none(),
                             help_text="答错的人会被引导去读这条问答")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = HandbookEntry.objects.filter(is_active=True).order_by("number")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind is None:
            return data
        if kind == Question.Kind.TRUE_FALSE:
            data["options"] = ["正确", "错误"]
        else:
            data["options"] = [line.strip() for line in (data.get("options") or "").splitlines() if line.strip()]
        raw = (data.get("answer") or "").strip().upper().replace(" ", "").replace(",", "").replace("，", "")
        raw = raw.replace("、", "")
        if kind == Question.Kind.TRUE_FALSE and raw in ("正确", "对", "√", "A", "错误", "错", "×", "B"):
            data["answer"] = [0] if raw in ("正确", "对", "√", "A") else [1]
        elif raw and all(c in LETTERS for c in raw):
            data["answer"] = sorted({LETTERS.index(c) for c in raw})
        elif "answer" in data:
            self.add_error("answer", "请用选项字母填写正确答案，如 A 或 ACD")
        return data

    @classmethod
    def initial_for(cls, question: Question) -> dict:
        answer = "".join(LETTERS[i] for i in question.answer if i < len(LETTERS))
        if question.kind == Question.Kind.TRUE_FALSE:
            answer = question.options[question.answer[0]] if question.answer else ""
        return {"kind": question.kind, "text": question.text, "entry": question.entry_id,
                "options": "\n".join(question.options) if question.kind != Question.Kind.TRUE_FALSE else "",
                "answer": answer}


class QuestionFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "题目中的字词"}))
    part = forms.ChoiceField(label="部分", required=False, choices=[("", "全部部分"), *Part.choices])
    kind = forms.ChoiceField(label="题型", required=False, choices=[("", "全部题型"), *Question.Kind.choices])
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "在用"), ("inactive", "已停用"), ("all", "全部")])


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class QuizForm(forms.Form):
    title = forms.CharField(label="测试名称", max_length=100)
    purpose = forms.ChoiceField(label="用途", choices=Quiz.Purpose.choices, initial=Quiz.Purpose.PRACTICE)
    parts = forms.MultipleChoiceField(label="抽题范围", choices=Part.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple, help_text="不选表示四个部分都抽；各部分尽量均衡")
    question_count = forms.IntegerField(label="题量", min_value=1, max_value=200, initial=20)
    time_limit_minutes = forms.IntegerField(label="限时（分钟）", min_value=1, max_value=600, initial=20)
    pass_mark = forms.IntegerField(label="及格分（百分制）", min_value=0, max_value=100, initial=60)
    max_attempts = forms.IntegerField(label="每人可答次数", min_value=0, max_value=100, initial=0,
                                      help_text="0 表示不限")
    opens_at = forms.DateTimeField(label="开放时间", required=False, widget=DateTimeLocalInput(),
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], help_text="不填表示立即开放")
    closes_at = forms.DateTimeField(label="截止时间", required=False, widget=DateTimeLocalInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], help_text="不填表示不截止")

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "截止时间应晚于开放时间")
        if closes and closes <= timezone.now():
            self.add_error("closes_at", "截止时间已经过去")
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label="手册文件（.json）", widget=forms.ClearableFileInput(attrs={"accept": ".json"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".json"):
            raise forms.ValidationError("请上传由“导出”得到的 .json 文件")
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("文件超过5MB，不像是履职常识问答文件")
        return upload


class PrintByLevelForm(forms.Form):
    level = forms.TypedChoiceField(label="代表层级", coerce=int, choices=[])
    label = forms.CharField(label="名称", max_length=120, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "如：2026年县人大代表履职学习用书"}))

    def __init__(self, *args, **kwargs):
        from lvzhi.people.models import Level

        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(level.value, f"全部在任{level.label}人大代表") for level in Level]
