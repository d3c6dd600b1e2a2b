"""The one translation table: every user-facing string, Chinese first, English beside it.

Keys are stable; error messages live under ``error.<code>`` so the error catalogue and the screens
share this table. ``{name}`` placeholders are filled with ``str.format``.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # --- errors: one entry per stable code (kiosk.domain.errors.ErrorCode) ---
    "error.required": ("此项必填", "This field is required"),
    "error.unknown_field": ("未知字段", "Unknown field"),
    "error.not_text": ("格式不正确，应为文字", "Must be text"),
    "error.name.too_long": ("姓名最多30个字", "Name must be at most 30 characters"),
    "error.name.invalid_char": (
        "姓名只能包含证件上的文字和间隔号（·），不能有数字、符号或表情",
        "Name may only hold the letters on the ID card and the middle dot (·): no digits, symbols or emoji",
    ),
    "error.id_number.legacy_15": (
        "请填写18位身份证号（15位旧号码已停用）",
        "Enter the 18-character ID number (15-digit numbers are no longer valid)",
    ),
    "error.id_number.length": ("证件号码应为18位", "The ID number must have 18 characters"),
    "error.id_number.format": (
        "证件号码前17位应为数字，最后一位为数字或X",
        "The first 17 characters must be digits, the last a digit or X",
    ),
    "error.id_number.region": ("证件号码的地区码不存在", "The region code of the ID number does not exist"),
    "error.id_number.birth_date": ("证件号码中的出生日期无效", "The birth date in the ID number is not a real date"),
    "error.id_number.checksum": (
        "证件号码校验位不符，请逐位核对",
        "The check digit does not match: please check each digit",
    ),
    "error.id_number.too_young": ("未满16周岁，不能入会", "Under 16: not of working age"),
    "error.id_number.type_mismatch": (
        "证件类型与号码不一致", "The ID type does not match the number",
    ),
    "error.mobile.invalid": (
        "手机号应为11位，以13–19开头", "A mobile number has 11 digits starting 13–19",
    ),
    "error.choice.invalid": ("请从列表中选择", "Choose an entry from the list"),
    "error.text.too_long": ("内容过长", "Too long"),
    "error.text.invalid_char": (
        "不能包含控制字符或 < > 等符号", "Must not contain control characters or < > symbols",
    ),
    "error.union_org.invalid": (
        "工会组织代码只能包含字母、数字和-", "An organisation code holds letters, digits and - only",
    ),
    "error.consent.required": (
        "需要本人勾选同意处理个人信息", "The worker must tick the consent box",
    ),
    "error.duplicate_member": (
        "该证件号已在本机登记，会员卡号 {card_number}",
        "This ID number is already enrolled on this kiosk: card {card_number}",
    ),
    "error.not_found": ("未找到该会员", "Member not found"),
    "error.already_voided": ("该记录已作废", "This record is already voided"),
    "error.reason.required": ("请填写原因", "A reason is required"),
    "error.input.encoding": ("输入不是有效的UTF-8文字", "The input is not valid UTF-8 text"),
    "error.input.json": ("输入不是有效的JSON对象", "The input is not a valid JSON object"),
    "error.card_number.invalid": ("会员卡号无效或有输错", "The card number is invalid or mistyped"),
    "error.token.malformed": ("二维码内容无法识别", "The QR content is not a Ruhui card token"),
    "error.token.version": ("不支持的会员卡版本", "Unsupported card token version"),
    "error.token.unknown_key": ("签发设备未知，无法核验", "Unknown issuing device: cannot verify"),
    "error.token.bad_signature": ("签名无效：会员卡可能被篡改", "Invalid signature: the card may have been altered"),
    "error.font.missing": (
        "未找到可显示生僻字的中文字体（需要 Noto Sans CJK）。请安装 fonts-noto-cjk 或设置 RUHUI_FONT",
        "No CJK font able to draw rare characters was found (Noto Sans CJK needed). "
        "Install fonts-noto-cjk or set RUHUI_FONT",
    ),
    "error.import.unreadable": ("无法读取该文件", "The file cannot be read"),
    "error.import.no_header": ("文件缺少表头行", "The file has no header row"),
    # --- card face ---
    "card.union_name": ("中华全国总工会", "All-China Federation of Trade Unions"),
    "card.title": ("工会会员卡", "Trade Union Membership Card"),
    "card.number": ("卡号", "No."),
    "card.group": ("群体", "Group"),
    "card.org": ("工会", "Union"),
    "card.issued": ("入会日期", "Joined"),
}


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The text for `key` in `lang` ('zh' or 'en'), with `values` filled in."""
    zh, en = TEXTS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text
