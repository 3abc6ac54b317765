"""The JSON API at /api/: for the mobile client and integrations. Schema at /api/openapi.json, docs at /api/docs.

Every operation needs a signed-in user: a bearer token (``manage.py issue_api_token``) or the browser session
(with CSRF on unsafe methods). No bad input answers 500: errors come back as JSON with a Chinese ``detail``.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from lvzhi.archive.services import NoteError
from lvzhi.people.services import RosterError

from .auth import SessionAuth, TokenAuth
from .endpoints import router
from .suggestions import router as suggestions_router


class ReadableJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese stays readable in responses and logs


api = NinjaAPI(
    title="履职通 API",
    version="1",
    description="人大代表履职服务平台接口。认证：请求头 `Authorization: Bearer <令牌>`，或浏览器登录会话。",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs=Swagger(settings={"persistAuthorization": False}),
    renderer=ReadableJSONRenderer(),
)
api.add_router("/", router)
api.add_router("/", suggestions_router)

FIELD_NAMES = {
    "title": "标题", "text": "内容", "date": "日期", "kind": "类别", "page": "页码", "page_size": "每页条数",
    "q": "搜索词", "level": "层级", "region": "区划代码", "parent": "上级区划代码", "year": "年度",
    "person_id": "人员编号", "note_id": "笔记编号", "photo_id": "照片编号", "photos": "照片", "payload": "请求内容",
}


def _error_message(error: dict) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return "缺少必填项"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "应为整数"
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "应为日期，格式 YYYY-MM-DD"
    if kind == "literal_error":
        return f"应为以下之一：{ctx.get('expected', '')}"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return "请求内容应为 JSON 对象"
    if kind in ("string_type", "string_unicode"):
        return "应为文本"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return "格式不正确"


def _field_name(loc) -> str:
    names = [str(part) for part in loc if part not in ("body", "query", "path", "file", "form", "params")]
    if not names:
        return "请求"
    return FIELD_NAMES.get(names[-1], names[-1])


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = [
        {"loc": list(e.get("loc", [])), "field": _field_name(e.get("loc", [])), "msg": _error_message(e),
         "type": e.get("type", "")}
        for e in exc.errors
    ]
    detail = "；".join(f"{e['field']}：{e['msg']}" for e in errors) or "请求参数有误"
    return api.create_response(request, {"detail": f"请求参数有误：{detail}", "errors": errors}, status=422)


@api.exception_handler(DjangoValidationError)
def on_model_validation_error(request, exc: DjangoValidationError):
    messages = exc.messages
    errors = [{"loc": [], "field": "", "msg": m, "type": "value_error"} for m in messages]
    return api.create_response(request, {"detail": "；".join(messages), "errors": errors}, status=422)


@api.exception_handler(NoteError)
@api.exception_handler(RosterError)
def on_service_error(request, exc: Exception):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    response = api.create_response(
        request, {"detail": "未登录或令牌无效：请登录后使用，或在请求头中提供 Authorization: Bearer <令牌>"}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="lvzhi"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    message = str(exc)
    if message.startswith("Cannot parse request body"):
        message = "请求内容不是有效的 JSON"
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "未找到，或不在您的权限范围内"}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "您没有执行此操作的权限"}, status=403)
