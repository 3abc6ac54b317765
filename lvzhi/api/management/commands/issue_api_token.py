from django.core.management.base import BaseCommand, CommandError

from lvzhi.accounts.models import ApiToken, User
from lvzhi.core.audit import audit_event


class Command(BaseCommand):
    help = "为用户签发一个接口令牌（只显示一次，库中只存其哈希）；--revoke 前缀 可吊销该用户的令牌。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("name", nargs="?", default="", help="用途，例如「移动端」「数据对接」")
        parser.add_argument("--revoke", metavar="PREFIX", help="吊销该用户以此前缀开头的令牌（如 lz_AbCd）")
        parser.add_argument("--list", dest="list_tokens", action="store_true", help="列出该用户的令牌（不显示令牌本身）")

    def handle(self, *args, username, name, revoke=None, list_tokens=False, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在")
        if list_tokens:
            for token in user.api_tokens.order_by("created_at"):
                state = "已吊销" if token.revoked else "有效"
                used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "从未使用"
                self.stdout.write(f"{token.prefix}…  {token.name}  {state}  最近使用：{used}")
            return
        if revoke:
            tokens = user.api_tokens.filter(prefix__startswith=revoke[:8], revoked=False)
            count = 0
            for token in tokens:
                token.revoked = True
                token.save(update_fields=["revoked"])
                audit_event(token, event="api_token_revoke", changes={"revoked": [False, True]})
                count += 1
            if not count:
                raise CommandError(f"用户 {username} 没有以 {revoke} 开头的有效令牌")
            self.stdout.write(self.style.SUCCESS(f"已吊销 {count} 个令牌"))
            return
        if not name.strip():
            raise CommandError("请写明令牌用途，例如：manage.py issue_api_token deputy 移动端")
        if not user.is_active:
            raise CommandError(f"用户 {username} 已停用，不能签发令牌")
        token, key = ApiToken.issue(user=user, name=name.strip()[:60])
        audit_event(token, event="api_token_issue", note=f"{user.username}：{token.name}")
        self.stdout.write(self.style.SUCCESS(f"已为 {user}（{user.username}）签发令牌「{token.name}」。令牌只显示这一次，请妥善保存："))
        self.stdout.write(key)
        self.stdout.write("使用方法：请求头 Authorization: Bearer <令牌>")
