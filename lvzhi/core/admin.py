from django.conf import settings
from django.contrib import admin
from django_otp.admin import OTPAdminSite

from .models import Region

# The configuration site asks for the second factor too when two-factor login is required.
if settings.REQUIRE_2FA:
    admin.site.__class__ = OTPAdminSite
admin.site.site_header = "履职通 · 基础数据配置"
admin.site.site_title = "履职通配置"
admin.site.index_title = "基础数据"


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
