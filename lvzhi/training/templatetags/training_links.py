"""Links to pages another part of the product may not have (yet): an empty string instead of an error."""

from django import template

from lvzhi.training.selectors import reverse_optional

register = template.Library()


@register.simple_tag
def optional_url(name, *args):
    return reverse_optional(name, *args)
