"""The consent notice (PIPL art. 29: separate consent for sensitive personal information).

Kept in code, not in a translation file: kiosk.domain.consent hashes these exact strings into
every record's consent version, so changing a character here is a new consent text, made on
purpose and reviewed, never a side effect of a translator's edit.
"""

from __future__ import annotations

CONSENT_TEXTS: dict[str, tuple[str, str]] = {  # key -> (zh, en)
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
}
