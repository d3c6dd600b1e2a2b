import datetime as dt

from hypothesis import given, settings, strategies as st

from tests.support.idgen import CHECK, WEIGHTS, check_char, make_id
from kiosk.domain import FieldError, parse_id_number
from kiosk.domain.id_number import mask_id_number

TODAY = dt.date(2026, 11, 25)
PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
             "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
             "63", "64", "65"]


def oracle(number: str) -> str | None:
    """The expected id_type of a valid number, or None: written from the standard, not our code."""
    number = number.upper()
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return None
    if not all(c in "0123456789" for c in number[:17]):
        return None
    if number[:6] in ("810000", "820000", "830000"):
        kind = "hmt_permit"
    elif number[0] == "9":
        kind = "foreign_permanent" if number[1:3] in PROVINCES else None
    else:
        kind = "resident" if number[:2] in PROVINCES else None
    if kind is None:
        return None
    try:
        birth = dt.datetime.strptime(number[6:14], "%Y%m%d").date()
    except ValueError:
        return None
    if birth.year < 1800 or birth > TODAY:
        return None
    if CHECK[sum(int(d) * w for d, w in zip(number, WEIGHTS)) % 11] != number[17]:
        return None
    age = TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))
    return kind if age >= 16 else None


def test_the_standards_own_examples_are_valid():
    for number in ("11010519491231002X", "440524188001010014"):
        parsed = parse_id_number(number, TODAY)
        assert not isinstance(parsed, FieldError), parsed
        assert parsed.id_type == "resident"
    assert parse_id_number("11010519491231002X", TODAY).gender == "F"
    assert parse_id_number("440524188001010014", TODAY).birth_date == dt.date(1880, 1, 1)


def test_lower_case_x_and_full_width_input_are_accepted():
    assert parse_id_number("11010519491231002x", TODAY).number == "11010519491231002X"
    full_width = "１１０１０５１９４９１２３１００２Ｘ"
    assert parse_id_number(full_width, TODAY).number == "11010519491231002X"
    assert parse_id_number(" 110105 19491231 002X ", TODAY).number == "11010519491231002X"


def code(raw: str) -> str:
    result = parse_id_number(raw, TODAY)
    assert isinstance(result, FieldError), result
    return result.code


def test_each_broken_rule_has_its_own_code():
    assert code("") == "required"
    assert code("110105491231002") == "id_number.legacy_15"
    assert code("1101051949123100") == "id_number.length"
    assert code("11010519491231002A") == "id_number.format"
    assert code("11010519491232002X") == "id_number.birth_date"   # 32 December
    body = "11010519900229123"  # 1990 was no leap year
    assert code(body + check_char(body)) == "id_number.birth_date"
    assert code("11010519491231002Y") == "id_number.format"
    assert code("110105194912310021") == "id_number.checksum"
    assert code(make_id(region="990105")) == "id_number.region"
    assert code(make_id(region="000000")) == "id_number.region"
    assert code(make_id(birth=TODAY - dt.timedelta(days=365 * 15))) == "id_number.too_young"
    assert code(make_id(birth=TODAY + dt.timedelta(days=1))) == "id_number.birth_date"


def test_permits_share_the_layout():
    for prefix in ("810000", "820000", "830000"):
        assert parse_id_number(make_id(region=prefix), TODAY).id_type == "hmt_permit"
    # 2023 foreigners' permanent residence ID: 9, province 11 (Beijing), country 840, birth date.
    foreign = make_id(region="911840", birth=dt.date(1985, 6, 1), seq=451)
    parsed = parse_id_number(foreign, TODAY)
    assert parsed.id_type == "foreign_permanent"
    assert parsed.birth_date == dt.date(1985, 6, 1) and parsed.gender == "M"


def test_gender_comes_from_the_17th_digit():
    assert parse_id_number(make_id(seq=123), TODAY).gender == "M"
    assert parse_id_number(make_id(seq=124), TODAY).gender == "F"


def test_masking_keeps_first_six_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"


# --- property tests against the oracle ----------------------------------------------------------
dates = st.dates(min_value=dt.date(1790, 1, 1), max_value=dt.date(2030, 12, 31))
regions = st.one_of(
    st.sampled_from(PROVINCES).flatmap(lambda p: st.from_regex(rf"\A{p}[0-9]{{4}}\Z")),
    st.sampled_from(["810000", "820000", "830000"]),
    st.sampled_from(PROVINCES).flatmap(lambda p: st.from_regex(rf"\A9{p}[0-9]{{3}}\Z")),
    st.from_regex(r"\A[0-9]{6}\Z"),
)


@st.composite
def numbers(draw):
    body = draw(regions) + f"{draw(dates):%Y%m%d}" + f"{draw(st.integers(0, 999)):03d}"
    number = body + check_char(body)
    mutation = draw(st.sampled_from(["none", "digit", "check", "swap", "lower", "date"]))
    i = draw(st.integers(0, 16))
    if mutation == "digit":
        number = number[:i] + str((int(number[i]) + draw(st.integers(1, 9))) % 10) + number[i + 1:]
    elif mutation == "check":
        number = number[:17] + draw(st.sampled_from([c for c in CHECK if c != number[17]]))
    elif mutation == "swap" and number[i] != number[i + 1]:
        number = number[:i] + number[i + 1] + number[i] + number[i + 2:]
    elif mutation == "lower":
        number = number.lower()
    elif mutation == "date":
        body = number[:6] + draw(st.from_regex(r"\A[0-9]{8}\Z")) + number[14:17]
        number = body + check_char(body)
    return number


@settings(max_examples=3000, deadline=None)
@given(numbers())
def test_validation_agrees_with_an_independent_oracle(number):
    parsed = parse_id_number(number, TODAY)
    expected = oracle(number)
    if expected is None:
        assert isinstance(parsed, FieldError)
    else:
        assert not isinstance(parsed, FieldError), (mask_id_number(number), parsed)
        assert parsed.id_type == expected
        assert parsed.birth_date.strftime("%Y%m%d") == number[6:14]


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=25))
def test_arbitrary_text_never_crashes(text):
    result = parse_id_number(text, TODAY)
    assert isinstance(result, FieldError) or oracle(result.number) is not None
