import datetime as dt

import pytest

from lvzhi.core.idnumber import IdNumberError, make_id_number, parse_id_number
from lvzhi.core.masking import mask_id_number, mask_phone


def test_valid_number_gives_birth_and_gender():
    number = make_id_number("110101", dt.date(1975, 3, 12), 7, male=True)
    info = parse_id_number(number)
    assert info.birth_date == dt.date(1975, 3, 12)
    assert info.gender == "男"


def test_spaces_and_lowercase_x_are_accepted():
    info = parse_id_number("11010519491231002x")
    assert info.number == "11010519491231002X"
    assert parse_id_number("110105 19491231 002X").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("110105194912310021", "校验位"),
        ("110105194913310028", "出生日期"),
        (1.10105194912310e17, "数字"),
        ("11010519491231", "18位"),
    ],
)
def test_bad_numbers_are_refused_with_reason(raw, message):
    with pytest.raises(IdNumberError, match=message):
        parse_id_number(raw)


def test_masks():
    assert mask_id_number("110101197503121234") == "110101********1234"
    assert mask_phone("13812345678") == "138****5678"
