"""Printed documents: HTML templates rendered to PDF by WeasyPrint, behind one function so it can be replaced.

A PDF template extends ``core/pdf_base.html``, which sets A4 (portrait unless the template says landscape),
the Chinese font (Noto Sans CJK SC, Debian package fonts-noto-cjk) and page numbers.
"""

import datetime as dt
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    # Relative URLs (images under /static/) resolve against the project's static files, never the network.
    return HTML(string=html, base_url=str(settings.BASE_DIR / "lvzhi")).write_pdf()


def pdf_response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    ascii_name = filename.encode("ascii", "ignore").decode() or "document.pdf"
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response


def chinese_date(value: dt.date | dt.datetime) -> str:
    """2026年11月22日, as dates are written on everything an office prints."""
    return f"{value.year}年{value.month}月{value.day}日"
