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
    "error.record_conflict": (
        "同一记录编号已用于不同内容，未覆盖", "This record id was already used for different data: nothing overwritten",
    ),
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
    # --- consent (PIPL art. 29: separate consent for sensitive personal information) ---
    "consent.label": (
        "本人同意工会为办理入会处理我的身份证号等个人信息",
        "I agree that the union processes my ID number and other personal data to enrol me",
    ),
    "consent.notice": (
        "为办理工会会员实名登记，工会将收集您的姓名、身份证号、手机号、民族、学历、政治面貌、户籍类型和职业信息。"
        "身份证号属于敏感个人信息，仅用于会员实名认证和会籍管理，保存在本机并上报市总工会，不向其他任何单位提供。"
        "您可以随时向工会查询、更正或要求删除您的信息。",
        "To register you as a union member under the real-name system, the union collects your name, ID number, "
        "mobile number, ethnicity, education, political status, household registration and occupation. "
        "Your ID number is sensitive personal information: it is used only to verify and manage your membership, "
        "kept on this kiosk and sent to the city federation of trade unions, and given to no one else. "
        "You may ask the union at any time to show, correct or delete your data.",
    ),
    # --- events ---
    "event.default_name": ("{date} 入会登记", "Enrollment {date}"),
    "org.pending": ("待分配工会", "Union to be assigned"),
    # --- card face ---
    "card.union_name": ("中华全国总工会", "All-China Federation of Trade Unions"),
    "card.title": ("工会会员卡", "Trade Union Membership Card"),
    "card.number": ("卡号", "No."),
    "card.group": ("群体", "Group"),
    "card.org": ("工会", "Union"),
    "card.issued": ("入会日期", "Joined"),
    "card.id": ("证件号", "ID No."),
    # --- printing ---
    "print.sent": ("已发送到打印机 {printer}（任务 {job}），PDF 另存于 {path}",
                   "Sent to printer {printer} (job {job}); the PDF is also saved at {path}"),
    "print.no_printer": ("未找到打印机，PDF 已保存到 {path}",
                         "No printer found: the PDF is saved at {path}"),
    "print.failed": ("打印失败（{reason}），PDF 已保存到 {path}",
                     "Printing failed ({reason}): the PDF is saved at {path}"),
    # --- phone self-registration (kiosk.selfreg) ---
    "join.title": ("工会入会登记", "Join the trade union"),
    "join.lang_switch": ("English", "中文"),
    "join.intro": (
        "请如实填写，带 * 的为必填项。提交后即可获得电子会员卡。",
        "Please fill in truthfully; fields marked * are required. You get an e-card once you submit.",
    ),
    "join.required_mark": ("必填", "required"),
    "join.optional": ("选填", "optional"),
    "join.choose": ("请选择", "Please choose"),
    "join.label.name": ("姓名", "Name"),
    "join.hint.name": ("与身份证上一致", "As on your ID card"),
    "join.label.id_number": ("身份证号", "ID number"),
    "join.hint.id_number": (
        "18位，港澳台居民居住证、外国人永久居留身份证也可",
        "18 characters; HK/Macau/Taiwan residence permits and foreign permanent resident IDs too",
    ),
    "join.label.mobile": ("手机号", "Mobile number"),
    "join.label.group": ("从事职业", "Occupation"),
    "join.label.employer": ("工作单位或平台", "Employer or platform"),
    "join.hint.employer": ("可从列表中选择，也可自行填写", "Pick from the list or type your own"),
    "join.label.ethnicity": ("民族", "Ethnicity"),
    "join.label.education": ("学历", "Education"),
    "join.label.political_status": ("政治面貌", "Political status"),
    "join.label.hukou": ("户籍类型", "Household registration"),
    "join.consent_heading": ("个人信息处理告知", "How your personal data is used"),
    "join.submit": ("提交", "Submit"),
    "join.errors_heading": (
        "有 {count} 处需要修改，请看下方红字提示",
        "{count} item(s) need fixing: see the red notes below",
    ),
    "join.already_member": (
        "证件号 {masked} 已是会员，会员卡号 {card_number}。如需补卡请到服务台。",
        "ID {masked} is already a member: card number {card_number}. Ask at the desk for a new card.",
    ),
    "join.done_title": ("入会成功", "You are a member"),
    "join.card_number": ("会员卡号", "Card number"),
    "join.card_alt": ("电子会员卡：{name}，卡号 {card_number}", "E-card: {name}, card number {card_number}"),
    "join.save_hint": ("长按上方卡片图片可保存到手机相册。", "Long-press the card image above to save it to your phone."),
    "join.collect_hint": ("请到服务台领取纸质会员卡。", "Collect your printed card at the desk."),
    "join.another": ("为另一位工友登记", "Sign up another worker"),
    "join.closed_title": ("登记暂未开放", "Sign-up is not open"),
    "join.closed_body": (
        "这个二维码已失效或登记已结束。请扫描现场最新的二维码，或到服务台找志愿者登记。",
        "This QR code is no longer valid or sign-up has ended. Scan the current QR code at the event, "
        "or ask a volunteer at the desk.",
    ),
    "join.expired_title": ("页面已过期", "This page has expired"),
    "join.expired_body": (
        "为保护您的信息，请重新打开登记页面后再提交（您的信息尚未保存）。",
        "To protect your data, please open the sign-up page again and resubmit (nothing was saved).",
    ),
    "join.reopen": ("重新打开登记页面", "Open the sign-up page again"),
    "join.card_missing_title": ("无法查看该会员卡", "This card cannot be shown"),
    "join.card_missing_body": (
        "电子会员卡只能在登记时使用的手机上查看。如需帮助请到服务台。",
        "An e-card can only be opened on the phone used to sign up. Ask at the desk for help.",
    ),
    "join.too_many_title": ("请稍候再试", "Please try again shortly"),
    "join.too_many_body": (
        "当前提交过于频繁，请等待一分钟后再试。",
        "Too many requests from this network: please wait a minute and try again.",
    ),
    "join.too_large_title": ("提交内容过大", "The form is too large"),
    "join.too_large_body": ("提交的内容超出限制，请检查后重新填写。", "What was sent is too large: please fill in the form again."),
    "join.bad_request_title": ("无法处理该请求", "This request cannot be handled"),
    "join.bad_request_body": ("请重新打开登记页面。", "Please open the sign-up page again."),
    "join.unavailable_title": ("暂时无法登记", "Sign-up is unavailable for a moment"),
    "join.unavailable_body": (
        "登记暂时出错，您的信息尚未保存。请稍后重试，或到服务台找志愿者登记。",
        "Something went wrong and nothing was saved. Try again shortly, or ask a volunteer at the desk.",
    ),
    "join.poster_title": ("扫码入会", "Scan to join the union"),
    "join.poster_step1": (
        "1. 连接现场 Wi-Fi，用微信或手机相机扫描二维码",
        "1. Join the event Wi-Fi, then scan the code with WeChat or your phone camera",
    ),
    "join.poster_step2": (
        "2. 按提示填写姓名、身份证号、手机号并勾选同意",
        "2. Fill in your name, ID number and mobile, and tick the consent box",
    ),
    "join.poster_step3": (
        "3. 提交后保存电子会员卡，到服务台领取纸质卡",
        "3. Save your e-card, then collect your printed card at the desk",
    ),
    "join.poster_or_open": ("或在浏览器中打开：", "Or open in a browser:"),
    "join.cli_closed": (
        "扫码登记已关闭。运行 kiosk join-rotate 重新开放（将生成新的二维码）。",
        "Self-registration is closed. Run `kiosk join-rotate` to reopen it (with a new QR code).",
    ),
    "join.cli_closed_done": ("扫码登记已关闭，旧二维码已失效。", "Self-registration closed: the old QR code no longer works."),
    "join.cli_rotated": ("已生成新的二维码，旧二维码已失效：", "New QR code made; the old one no longer works:"),
    "join.cli_poster_written": ("海报已保存：", "Poster written:"),
}


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The text for `key` in `lang` ('zh' or 'en'), with `values` filled in."""
    zh, en = TEXTS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text
