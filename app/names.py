"""What the identifiers LiveDesk records are called for a reader: marker kinds, operator actions,
roles, order and coupon values, platform event types.

Each table maps an identifier to its Chinese source string and nothing else: the words of every
other language come from the one translation catalog (:mod:`app.i18n`). Every function takes the
translating function to use — ``tr`` (the UI's language, the default) or ``translator(lang)`` (a
report in a chosen language) — so the replay window and the exported report say the same word for
the same thing. An identifier without a name is shown as it is.
"""

from __future__ import annotations

from app.i18n import Translate, tr, tr_noop

#: who did something: the team roles, and ``obs`` for a change made in OBS itself
ROLE_NAMES = {
    "host": tr_noop("主播"),
    "assistant": tr_noop("场控"),
    "reviewer": tr_noop("复盘员"),
    "obs": tr_noop("OBS"),
}

#: the markers a recording keeps (the writer's ``markers`` table) and the replay timeline shows
MARKER_NAMES = {
    "explain": tr_noop("讲解商品"),
    "explain_stop": tr_noop("结束讲解"),
    "coupon_issued": tr_noop("发券"),
    "coupon_ended": tr_noop("结束优惠券"),
    "flash_sale_scheduled": tr_noop("秒杀预告"),
    "flash_sale_started": tr_noop("秒杀开始"),
    "flash_sale_ended": tr_noop("秒杀结束"),
    "lottery_started": tr_noop("抽奖开始"),
    "lottery_drawn": tr_noop("开奖"),
    "quiz_started": tr_noop("答题开始"),
    "quiz_revealed": tr_noop("揭晓答案"),
    "red_envelope_started": tr_noop("红包雨开始"),
    "red_envelope_ended": tr_noop("红包雨结束"),
    "stock_reserved": tr_noop("冻结库存"),
    "stock_released": tr_noop("释放冻结库存"),
    "scene": tr_noop("切换场景"),
    "product_updated": tr_noop("修改商品"),
    "reorder": tr_noop("调整排品"),
    "pin": tr_noop("置顶评论"),
    "hide": tr_noop("隐藏评论"),
    "mute": tr_noop("禁言"),
    "unmute": tr_noop("解除禁言"),
    "session_started": tr_noop("开播"),
    "session_ended": tr_noop("下播"),
    # the failover and the emergency key (app/obs/failover.py MARKERS)
    "failover": tr_noop("自动切备用画面"),
    "camera_recovered": tr_noop("摄像头恢复"),
    "failover_back": tr_noop("切回直播画面"),
    "mic_alert": tr_noop("麦克风告警"),
    "mic_ok": tr_noop("麦克风恢复"),
    "emergency": tr_noop("一键应急"),
    "emergency_end": tr_noop("结束应急"),
    "drill_fault": tr_noop("演练故障"),  # app/drill: a drill's injected fault
}

#: operator actions as the actions table stores them (LiveRoom._act names; obs_* from follow_obs)
ACTION_NAMES = {
    "explain": tr_noop("讲解商品"),
    "stop_explain": tr_noop("停止讲解"),
    "reorder": tr_noop("调整排品"),
    "update_product": tr_noop("修改商品"),
    "issue_coupon": tr_noop("发券"),
    "end_coupon": tr_noop("结束优惠券"),
    "start_flash_sale": tr_noop("开始秒杀"),
    "start_lottery": tr_noop("开始抽奖"),
    "draw_lottery": tr_noop("开奖"),
    "start_red_envelope": tr_noop("发红包雨"),
    "end_red_envelope": tr_noop("结束红包雨"),
    "reserve_stock": tr_noop("冻结库存"),
    "release_reservation": tr_noop("释放冻结库存"),
    "send_comment": tr_noop("发送评论"),
    "pin_comment": tr_noop("置顶评论"),
    "hide_comment": tr_noop("隐藏评论"),
    "mute_user": tr_noop("禁言用户"),
    "unmute_user": tr_noop("解除禁言"),
    "start_session": tr_noop("开播"),
    "end_session": tr_noop("下播"),
    "set_team_review": tr_noop("修改团队评分设置"),
    "obs_switch_scene": tr_noop("OBS 切换场景"),
    "obs_set_preview": tr_noop("OBS 设置预览场景"),
    "obs_transition": tr_noop("OBS 转场"),
    "obs_start_stream": tr_noop("OBS 开始推流"),
    "obs_stop_stream": tr_noop("OBS 停止推流"),
    "obs_start_record": tr_noop("OBS 开始录制"),
    "obs_stop_record": tr_noop("OBS 停止录制"),
}

#: values stored as the platform's identifiers: order status, coupon kind and status
VALUE_NAMES = {
    "created": tr_noop("待支付"),
    "paid": tr_noop("已支付"),
    "refunded": tr_noop("已退款"),
    "threshold": tr_noop("满减"),
    "discount": tr_noop("折扣"),
    "no_threshold": tr_noop("无门槛"),
    "active": tr_noop("进行中"),
    "ended": tr_noop("已结束"),
    "expired": tr_noop("已过期"),
    "scheduled": tr_noop("预告中"),
}

#: the platform's event types (events.csv names them beside the identifier)
EVENT_NAMES = {
    "comment": tr_noop("评论"),
    "like": tr_noop("点赞"),
    "gift": tr_noop("礼物"),
    "follow": tr_noop("关注"),
    "share": tr_noop("分享"),
    "paid_message": tr_noop("醒目留言"),
    "membership": tr_noop("开通会员"),
    "paid_message_deleted": tr_noop("醒目留言被删除"),
    "room_note": tr_noop("直播间提示"),
    "viewer_enter": tr_noop("进入直播间"),
    "viewers": tr_noop("在线人数"),
    "order_created": tr_noop("下单"),
    "order_paid": tr_noop("支付"),
    "order_refunded": tr_noop("退款"),
    "product_updated": tr_noop("修改商品"),
    "products_reordered": tr_noop("调整排品"),
    "product_explaining": tr_noop("讲解商品"),
    "coupon_issued": tr_noop("发券"),
    "coupon_claimed": tr_noop("领券"),
    "coupon_ended": tr_noop("优惠券结束"),
    "flash_sale_scheduled": tr_noop("秒杀预告"),
    "flash_sale_started": tr_noop("秒杀开始"),
    "flash_sale_updated": tr_noop("秒杀更新"),
    "flash_sale_ended": tr_noop("秒杀结束"),
    "lottery_started": tr_noop("抽奖开始"),
    "lottery_entered": tr_noop("参与抽奖"),
    "lottery_drawn": tr_noop("开奖"),
    "stock_reserved": tr_noop("冻结库存"),
    "reservation_updated": tr_noop("冻结库存更新"),
    "stock_released": tr_noop("释放冻结库存"),
    "red_envelope_scheduled": tr_noop("红包雨预告"),
    "red_envelope_started": tr_noop("红包雨开始"),
    "red_envelope_grabbed": tr_noop("抢红包"),
    "red_envelope_ended": tr_noop("红包雨结束"),
    "comment_pinned": tr_noop("置顶评论"),
    "comment_hidden": tr_noop("隐藏评论"),
    "user_muted": tr_noop("禁言"),
    "user_unmuted": tr_noop("解除禁言"),
    "session_started": tr_noop("开播"),
    "session_ended": tr_noop("下播"),
    "team_review_changed": tr_noop("修改团队评分设置"),
    "resync_required": tr_noop("需要重新同步"),
    "quiz_started": tr_noop("答题开始"),
    "quiz_updated": tr_noop("答题更新"),
    "quiz_revealed": tr_noop("揭晓答案"),
}


def _named(table: dict[str, str], key: str, t: Translate) -> str:
    zh = table.get(key)
    return t(zh) if zh is not None else key


def role_name(role: str | None, t: Translate = tr) -> str:
    """``host`` / ``assistant`` / ``reviewer`` / ``obs``; "" for no role."""
    return _named(ROLE_NAMES, role, t) if role else ""


def marker_kind_name(kind: str, t: Translate = tr) -> str:
    return _named(MARKER_NAMES, kind, t)


def marker_name(kind: str, label: str, role: str | None, t: Translate = tr) -> tuple[str, str]:
    """(what happened, who did it) of a marker: ("开奖 · 红包", "主播")."""
    return marker_kind_name(kind, t) + (f" · {label}" if label else ""), role_name(role, t)


def action_name(name: str, t: Translate = tr) -> str:
    """An operator action's stored name (``issue_coupon``) as the reader calls it."""
    return _named(ACTION_NAMES, name, t)


#: membership tiers as platforms name them in events (Bilibili guards); another platform's own
#: tier name is shown as it is
TIER_NAMES = {
    "captain": tr_noop("舰长"),
    "admiral": tr_noop("提督"),
    "governor": tr_noop("总督"),
}


def tier_name(tier: str, t: Translate = tr) -> str:
    """A membership's tier: ``captain`` → 舰长 (Captain in English); unknown tiers unchanged."""
    return _named(TIER_NAMES, tier, t)


def value_name(value: str, t: Translate = tr) -> str:
    """An order status, coupon kind or coupon status as the reader calls it."""
    return _named(VALUE_NAMES, value, t)


def event_name(kind: str, t: Translate = tr) -> str:
    return _named(EVENT_NAMES, kind, t)
