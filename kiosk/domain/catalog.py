"""Code lists the member form draws on: (code, Chinese label, English label).

Codes are the contract (README, "Field names"): CSV exports, the sync protocol and the phone form use them, so
add entries, never rename one.
"""

from __future__ import annotations

# GB 3304-1991 民族代码, plus 97 其他 and 98 外国血统中国籍人士.
ETHNICITIES: tuple[tuple[str, str, str], ...] = (
    ("01", "汉族", "Han"), ("02", "蒙古族", "Mongol"), ("03", "回族", "Hui"),
    ("04", "藏族", "Tibetan"), ("05", "维吾尔族", "Uyghur"), ("06", "苗族", "Miao"),
    ("07", "彝族", "Yi"), ("08", "壮族", "Zhuang"), ("09", "布依族", "Buyei"),
    ("10", "朝鲜族", "Korean"), ("11", "满族", "Manchu"), ("12", "侗族", "Dong"),
    ("13", "瑶族", "Yao"), ("14", "白族", "Bai"), ("15", "土家族", "Tujia"),
    ("16", "哈尼族", "Hani"), ("17", "哈萨克族", "Kazakh"), ("18", "傣族", "Dai"),
    ("19", "黎族", "Li"), ("20", "傈僳族", "Lisu"), ("21", "佤族", "Va"),
    ("22", "畲族", "She"), ("23", "高山族", "Gaoshan"), ("24", "拉祜族", "Lahu"),
    ("25", "水族", "Sui"), ("26", "东乡族", "Dongxiang"), ("27", "纳西族", "Nakhi"),
    ("28", "景颇族", "Jingpo"), ("29", "柯尔克孜族", "Kyrgyz"), ("30", "土族", "Monguor"),
    ("31", "达斡尔族", "Daur"), ("32", "仫佬族", "Mulao"), ("33", "羌族", "Qiang"),
    ("34", "布朗族", "Blang"), ("35", "撒拉族", "Salar"), ("36", "毛南族", "Maonan"),
    ("37", "仡佬族", "Gelao"), ("38", "锡伯族", "Xibe"), ("39", "阿昌族", "Achang"),
    ("40", "普米族", "Pumi"), ("41", "塔吉克族", "Tajik"), ("42", "怒族", "Nu"),
    ("43", "乌孜别克族", "Uzbek"), ("44", "俄罗斯族", "Russian"), ("45", "鄂温克族", "Evenk"),
    ("46", "德昂族", "De'ang"), ("47", "保安族", "Bonan"), ("48", "裕固族", "Yugur"),
    ("49", "京族", "Gin"), ("50", "塔塔尔族", "Tatar"), ("51", "独龙族", "Derung"),
    ("52", "鄂伦春族", "Oroqen"), ("53", "赫哲族", "Hezhen"), ("54", "门巴族", "Monpa"),
    ("55", "珞巴族", "Lhoba"), ("56", "基诺族", "Jino"),
    ("97", "其他", "Other"), ("98", "外国血统中国籍人士", "Chinese citizen of foreign origin"),
)

# GB/T 4658-2006 学历代码, at the granularity a membership form asks.
EDUCATION_LEVELS: tuple[tuple[str, str, str], ...] = (
    ("11", "博士研究生", "Doctorate"), ("14", "硕士研究生", "Master's"),
    ("21", "大学本科", "Bachelor's"), ("31", "大学专科", "Junior college"),
    ("41", "中等专科", "Secondary vocational"), ("44", "职业高中", "Vocational high school"),
    ("47", "技工学校", "Technical school"), ("61", "普通高中", "Senior high school"),
    ("71", "初中", "Junior high school"), ("81", "小学", "Primary school"),
    ("90", "其他", "Other"),
)

# GB/T 4762-1984 政治面貌代码.
POLITICAL_STATUSES: tuple[tuple[str, str, str], ...] = (
    ("01", "中共党员", "CPC member"), ("02", "中共预备党员", "CPC probationary member"),
    ("03", "共青团员", "CYL member"), ("04", "民革党员", "RCCK member"),
    ("05", "民盟盟员", "CDL member"), ("06", "民建会员", "CNDCA member"),
    ("07", "民进会员", "CAPD member"), ("08", "农工党党员", "CPWDP member"),
    ("09", "致公党党员", "CZGP member"), ("10", "九三学社社员", "Jiusan Society member"),
    ("11", "台盟盟员", "TDSGL member"), ("12", "无党派人士", "Non-partisan"),
    ("13", "群众", "Ordinary citizen"),
)

HUKOU_TYPES: tuple[tuple[str, str, str], ...] = (
    ("urban", "城镇", "Urban"), ("rural", "农村", "Rural"),
)

# The eight groups (八大群体) first, in the campaign's order, then the others campaigns enrol.
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("truck_driver", "货车司机", "Truck driver"),
    ("courier", "快递员", "Courier"),
    ("care_worker", "护工护理员", "Care worker"),
    ("domestic_worker", "家政服务员", "Domestic worker"),
    ("mall_staff", "商场信息员", "Mall staff"),
    ("food_delivery", "网约送餐员", "Food-delivery rider"),
    ("estate_agent", "房产中介员", "Estate agent"),
    ("security_guard", "保安员", "Security guard"),
    ("ride_hailing", "网约车司机", "Ride-hailing driver"),
    ("other_new_form", "其他新就业形态", "Other new-form worker"),
    ("not_eight_groups", "非八大群体", "Not in the eight groups"),
)
EIGHT_GROUPS = frozenset(code for code, _, _ in GROUPS[:8])

CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("ceremony", "集中仪式", "Ceremony"),
    ("self_service", "扫码自助", "Self-service by QR"),
    ("home_visit", "上门登记", "Home visit"),
    ("collective", "集体入会", "Collective enrollment"),
)

ID_TYPES: tuple[tuple[str, str, str], ...] = (
    ("resident", "居民身份证", "Resident ID card"),
    ("hmt_permit", "港澳台居民居住证", "HK/Macau/Taiwan residence permit"),
    ("foreign_permanent", "外国人永久居留身份证", "Foreign permanent resident ID"),
)

GENDERS: tuple[tuple[str, str, str], ...] = (("M", "男", "Male"), ("F", "女", "Female"))

# Suggestions only: employer is free text.
PLATFORM_SUGGESTIONS: tuple[str, ...] = (
    "满帮", "货拉拉", "顺丰", "京东", "中通", "圆通", "韵达", "申通", "极兔", "邮政EMS",
    "美团", "饿了么", "滴滴出行", "曹操出行", "高德打车", "T3出行", "链家", "贝壳找房", "我爱我家",
)


def codes(table: tuple[tuple[str, str, str], ...]) -> frozenset[str]:
    return frozenset(code for code, _, _ in table)


def label(table: tuple[tuple[str, str, str], ...], code: str, lang: str = "zh") -> str:
    """The display label of `code` in `table` ('' when unknown)."""
    for entry_code, zh, en in table:
        if entry_code == code:
            return zh if lang == "zh" else en
    return ""
