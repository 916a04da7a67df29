"""Phrase and nickname pools of the simulated audience (plain Chinese text, no markup).

Everything here is a tuple built once at import: the audience picks from these pools by index, so
generating a comment costs a random number and a lookup, never string formatting. Product-specific
lines (``{short}`` = a short name of the product, ``{sku}`` = a SKU name) are formatted once per
explained product by :func:`product_lines`, not per comment.
"""

from __future__ import annotations

import re

# --- comments --------------------------------------------------------------------------------

GREETINGS: tuple[str, ...] = (
    "主播好",
    "来了来了",
    "主播晚上好",
    "来啦",
    "打卡",
    "又来了",
    "姐妹们好",
    "刚下班来看看",
    "第一次来",
    "主播好漂亮",
    "来了老铁",
    "报到",
    "晚上好呀",
    "每天必来",
    "从推荐进来的",
    "哈喽",
    "来了宝",
    "老粉来了",
    "主播今天好美",
    "下班第一件事就是来直播间",
)

REACTIONS: tuple[str, ...] = (
    "哈哈哈",
    "好看",
    "666",
    "哈哈哈哈哈",
    "太好看了",
    "爱了爱了",
    "绝了",
    "真不错",
    "主播辛苦了",
    "好评",
    "心动了",
    "质量看着不错",
    "上身效果好好",
    "太划算了吧",
    "主播好会讲",
    "支持支持",
    "好家伙",
    "6666",
    "主播声音好好听",
    "回购好多次了",
    "上次买的很好用",
    "主播喝口水吧",
)

GENERIC_QUESTIONS: tuple[str, ...] = (
    "多少钱",
    "有优惠吗",
    "什么时候发货",
    "包邮吗",
    "发什么快递",
    "几号链接",
    "还有库存吗",
    "能退换吗",
    "有运费险吗",
    "新疆包邮吗",
    "怎么买",
    "链接在哪",
    "今天有赠品吗",
    "能便宜点吗",
    "现在拍什么时候到",
    "有几个颜色",
)

# Questions that fit a kind of product, keyed by words found in its title.
CATEGORY_QUESTIONS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        (
            "衣",
            "裤",
            "裙",
            "T恤",
            "外套",
            "卫衣",
            "羽绒",
            "衬衫",
            "毛衣",
            "大衣",
            "夹克",
            "鞋",
            "袜",
        ),
        (
            "158能穿吗",
            "165 120斤穿什么码",
            "偏大还是偏小",
            "尺码怎么选",
            "会起球吗",
            "掉色吗",
            "显瘦吗",
            "主播多高多重",
            "面料是什么",
            "能机洗吗",
            "170能穿M吗",
            "腿粗能穿吗",
            "有没有加大码",
        ),
    ),
    (
        ("霜", "精华", "口红", "面膜", "防晒", "乳", "水", "粉底", "洗面", "眼影", "香水", "护手"),
        (
            "敏感肌能用吗",
            "油皮能用吗",
            "孕妇能用吗",
            "保质期多久",
            "有小样吗",
            "干皮适合吗",
            "会闷痘吗",
            "是正品吗",
            "多大容量",
            "学生党能用吗",
            "男生能用吗",
        ),
    ),
    (
        ("零食", "坚果", "茶", "咖啡", "牛肉", "饼", "糖", "酸奶", "米", "面", "蜂蜜", "果"),
        (
            "保质期多久",
            "甜不甜",
            "辣不辣",
            "一箱多少包",
            "孕妇能吃吗",
            "小孩能吃吗",
            "有添加剂吗",
            "热量高吗",
            "怎么保存",
            "生产日期是什么时候",
        ),
    ),
    (
        ("耳机", "充电", "数据线", "音箱", "手表", "键盘", "鼠标", "电", "灯", "风扇"),
        (
            "保修多久",
            "苹果能用吗",
            "安卓能用吗",
            "续航多久",
            "支持快充吗",
            "是正品吗",
            "降噪怎么样",
            "声音大吗",
        ),
    ),
    (
        ("锅", "杯", "枕", "被", "毛巾", "收纳", "碗", "拖把", "床", "垫"),
        (
            "尺寸多大",
            "好清洗吗",
            "有异味吗",
            "材质是什么",
            "能用洗碗机吗",
            "承重多少",
            "能放微波炉吗",
        ),
    ),
)

INTENTS: tuple[str, ...] = (
    "已拍",
    "扣1",
    "想要",
    "拍了",
    "买了两件",
    "1",
    "111",
    "已付款",
    "上车",
    "冲冲冲",
    "已下单",
    "拍了拍了",
    "要了",
    "给我留一件",
    "求上链接",
    "已拍已拍",
    "买了买了",
    "又拍了一单",
    "闭眼入",
    "扣1扣1",
)

COMPLAINTS: tuple[str, ...] = (
    "没货了?",
    "怎么又没了",
    "补货吗",
    "什么时候补货",
    "手慢了没抢到",
    "秒没了",
    "主播再加点库存",
    "还会补吗",
    "刚点进去就没了",
    "能不能多上点",
    "没抢到呜呜",
    "库存太少了吧",
    "等补货",
    "拍不了了",
)

COUPON_GOT: tuple[str, ...] = (
    "抢到了",
    "领到了",
    "抢到券了",
    "谢谢主播的券",
    "领了领了",
    "券到手",
)

COUPON_MISSED: tuple[str, ...] = (
    "没抢到",
    "券呢",
    "没抢到啊",
    "手慢了",
    "怎么领不到",
    "再发一波券吧",
)

COUPON_TALK: tuple[str, ...] = (
    *COUPON_GOT,
    *COUPON_MISSED,
    "券在哪领",
    "优惠券怎么用",
    "冲券",
    "券能叠加吗",
)

RAIN_HYPE: tuple[str, ...] = (
    "红包雨来了！",
    "冲冲冲抢红包",
    "红包红包！",
    "主播大气！",
    "来了来了",
)

RAIN_GOT: tuple[str, ...] = (
    "抢到了！",
    "抢到红包了 谢谢主播",
    "运气不错哈哈",
    "抢到一个",
)

RAIN_MISSED: tuple[str, ...] = (
    "手慢了",
    "没抢到呜呜",
    "一个都没抢到",
    "下次还有吗",
)

HYPE: tuple[str, ...] = (
    "秒杀冲",
    "秒了",
    "冲冲冲",
    "这价格绝了",
    "降价了!",
    "这个价格可以",
    "太便宜了",
    "终于降价了",
    "赶紧拍",
    "抢到了吗",
    "手速要快",
    "3 2 1 上链接",
)

PRODUCT_QUESTION_TEMPLATES: tuple[str, ...] = (
    "{short}多少钱",
    "{short}还有吗",
    "{short}是几号链接",
    "{short}有优惠吗",
    "{short}什么时候发货",
)

SKU_QUESTION_TEMPLATES: tuple[str, ...] = (
    "{sku}还有吗",
    "{sku}有货吗",
    "{sku}还有库存吗",
    "{sku}好看吗",
    "{sku}显白吗",
)

PRODUCT_INTENT_TEMPLATES: tuple[str, ...] = (
    "{short}已拍",
    "{short}拍了",
    "{short}想要",
)

SKU_INTENT_TEMPLATES: tuple[str, ...] = (
    "要{sku}",
    "{sku}已拍",
    "拍了{sku}",
    "想要{sku}",
)

REFUND_REASONS: tuple[str, ...] = (
    "不想要了",
    "拍错了尺码",
    "地址填错了",
    "多拍了",
    "买贵了",
    "发货太慢",
)

# --- gifts: (name, value of one in cents, weight); 1 抖币 = 0.1 元 = 10 分 -----------------------

GIFTS: tuple[tuple[str, int, float], ...] = (
    ("小心心", 10, 50.0),
    ("玫瑰", 10, 20.0),
    ("人气票", 10, 10.0),
    ("棒棒糖", 90, 8.0),
    ("小皇冠", 100, 5.0),
    ("加油鸭", 150, 3.0),
    ("墨镜", 990, 1.0),
    ("跑车", 12000, 0.3),
    ("嘉年华", 300000, 0.05),
)

# paid messages (醒目留言): (price in cents, weight); the text is one of the room's reactions
PAID_MESSAGE_PRICES: tuple[tuple[int, float], ...] = ((3000, 6.0), (5000, 3.0), (10000, 1.0))
# memberships: (tier, price a month in cents, weight)
MEMBERSHIP_TIERS: tuple[tuple[str, int, float], ...] = (
    ("舰长", 13800, 20.0),
    ("提督", 199800, 1.0),
    ("总督", 1999800, 0.05),
)

# --- nicknames -------------------------------------------------------------------------------

NICK_CUTE_HEADS: tuple[str, ...] = (
    "小鹿",
    "小猫",
    "阿狸",
    "橘子",
    "奶茶",
    "柠檬",
    "糖糖",
    "桃子",
    "月亮",
    "星星",
    "小熊",
    "兔子",
    "鱼儿",
    "豆豆",
    "果果",
    "芒果",
    "栗子",
    "布丁",
    "可乐",
    "团子",
)
NICK_CUTE_TAILS: tuple[str, ...] = (
    "爱吃糖",
    "不吃鱼",
    "要发财",
    "在减肥",
    "很快乐",
    "睡不醒",
    "想暴富",
    "的日常",
    "酱",
    "呀",
    "宝宝",
    "超甜",
    "不加糖",
    "今天也要开心",
    "的小屋",
)
NICK_A_NAMES: tuple[str, ...] = tuple("杰强伟明华丽芳敏静磊军勇涛斌霞亮龙飞鹏婷")
NICK_NUMBERS: tuple[str, ...] = ("88", "666", "520", "1314", "2024", "99", "07", "168", "888", "23")
NICK_POETIC_HEADS: tuple[str, ...] = (
    "江南",
    "清风",
    "半夏",
    "浅笑",
    "时光",
    "岁月",
    "星河",
    "山海",
    "云深",
    "花间",
    "雨落",
    "晚风",
    "长安",
    "烟火",
    "白露",
    "青柠",
)
NICK_POETIC_TAILS: tuple[str, ...] = (
    "烟雨",
    "徐来",
    "微凉",
    "安然",
    "静好",
    "如歌",
    "入梦",
    "有你",
    "人间",
    "倾城",
    "漫步",
    "未眠",
    "向暖",
    "知秋",
)
NICK_PLACES: tuple[str, ...] = (
    "北京",
    "上海",
    "广州",
    "成都",
    "杭州",
    "江苏",
    "山东",
    "东北",
    "湖南",
    "福建",
    "重庆",
    "武汉",
)
NICK_PEOPLE: tuple[str, ...] = (
    "小李",
    "大姐",
    "宝妈",
    "靓仔",
    "阿姨",
    "小哥",
    "姑娘",
    "老王",
    "打工人",
    "陈姐",
    "张叔",
    "小美",
)

_BRACKETS = re.compile(r"[【\[(（].*?[】\])）]")
_SPLIT = re.compile(r"[\s,，/|·]+")


def short_name(title: str) -> str:
    """A short way viewers refer to a product: its kind word if known, else its first words."""
    for keywords, _ in CATEGORY_QUESTIONS:
        for word in keywords:
            if len(word) >= 2 and word in title:
                return "这款" + word
    plain = _BRACKETS.sub("", title).strip()
    first = _SPLIT.split(plain, maxsplit=1)[0] if plain else ""
    return (first or plain or title)[:8] or "这个"


def category_questions(title: str) -> tuple[str, ...]:
    """The questions that suit a product with this title (every matching kind, or none)."""
    found: list[str] = []
    for keywords, questions in CATEGORY_QUESTIONS:
        if any(word in title for word in keywords):
            found.extend(questions)
    return tuple(found)


def product_lines(
    title: str, sku_names: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(questions, purchase intents) about one product: formatted once, picked from many times."""
    short = short_name(title)
    questions = [t.format(short=short) for t in PRODUCT_QUESTION_TEMPLATES]
    intents = [t.format(short=short) for t in PRODUCT_INTENT_TEMPLATES]
    for sku in sku_names[:12]:
        questions.extend(t.format(sku=sku) for t in SKU_QUESTION_TEMPLATES)
        intents.extend(t.format(sku=sku) for t in SKU_INTENT_TEMPLATES)
    questions.extend(category_questions(title))
    questions.extend(GENERIC_QUESTIONS)
    intents.extend(INTENTS)
    return tuple(questions), tuple(intents)
