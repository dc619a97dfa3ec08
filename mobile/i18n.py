"""Chinese and English text. Keys are dotted; a missing key shows itself (and is a test failure)."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "zh"

STRINGS: dict[str, dict[str, str]] = {
    "app.name": {"en": "minesafe", "zh": "矿安"},
    "lang.toggle": {"en": "中文", "zh": "English"},
    "common.back": {"en": "Back", "zh": "返回"},
    "common.refresh": {"en": "Refresh", "zh": "刷新"},
    "common.loading": {"en": "Loading…", "zh": "加载中…"},
    "common.save": {"en": "Save", "zh": "保存"},
    "common.cancel": {"en": "Cancel", "zh": "取消"},
    "common.empty": {"en": "Nothing here.", "zh": "暂无内容。"},
    "common.more": {"en": "Show more", "zh": "加载更多"},
    "common.live_on": {"en": "Live", "zh": "实时"},
    "common.live_off": {"en": "Offline", "zh": "离线"},
    "error.network": {"en": "No connection to the server. Try again when the network is back.",
                      "zh": "无法连接服务器，请在网络恢复后重试。"},
    "error.server": {"en": "The server had a problem. Try again later.", "zh": "服务器出错，请稍后重试。"},
    "error.generic": {"en": "Error: {detail}", "zh": "出错：{detail}"},
    # first run / settings
    "server.title": {"en": "Server address", "zh": "服务器地址"},
    "server.hint": {"en": "e.g. 10.0.0.5:8000", "zh": "例如 10.0.0.5:8000"},
    "server.intro": {"en": "Enter the address of your mine's minesafe server. You can change it later in Settings.",
                     "zh": "请输入本矿矿安服务器的地址，之后可在设置中修改。"},
    "server.continue": {"en": "Continue", "zh": "继续"},
    "server.invalid": {"en": "That is not a server address.", "zh": "服务器地址格式不正确。"},
    "server.checking": {"en": "Checking the server…", "zh": "正在检查服务器…"},
    "server.unreachable": {"en": "Saved, but the server cannot be reached now.",
                           "zh": "已保存，但当前无法连接服务器。"},
    "settings.title": {"en": "Settings", "zh": "设置"},
    "settings.language": {"en": "Language", "zh": "语言"},
    "settings.server": {"en": "Server: {url}", "zh": "服务器：{url}"},
    "settings.change_server": {"en": "Change server", "zh": "更改服务器"},
    "settings.user": {"en": "Signed in as {name}", "zh": "当前用户：{name}"},
    "settings.logout": {"en": "Sign out", "zh": "退出登录"},
    "settings.pending_logout": {"en": "{n} reports still wait to be sent; they are sent after you sign in again.",
                                "zh": "还有 {n} 条上报待发送，重新登录后会继续发送。"},
    # login
    "login.title": {"en": "Sign in", "zh": "登录"},
    "login.username": {"en": "User name", "zh": "用户名"},
    "login.password": {"en": "Password", "zh": "密码"},
    "login.submit": {"en": "Sign in", "zh": "登录"},
    "login.missing": {"en": "Enter your user name and password.", "zh": "请输入用户名和密码。"},
    "login.failed": {"en": "Sign-in refused: {message}", "zh": "登录失败：{message}"},
    "login.server": {"en": "Server: {url}", "zh": "服务器：{url}"},
    # home
    "home.title": {"en": "Hello, {name}", "zh": "您好，{name}"},
    "home.outbox_badge": {"en": "{n} waiting to send", "zh": "{n} 条待发送"},
    "home.outbox_clear": {"en": "Everything sent", "zh": "全部已发送"},
    # report
    "report.title": {"en": "Report a hazard", "zh": "上报隐患"},
    "report.menu": {"en": "Report hazard", "zh": "上报隐患"},
    "report.take_photo": {"en": "Take photo", "zh": "拍照"},
    "report.pick_photo": {"en": "Add photo", "zh": "添加照片"},
    "report.photos": {"en": "{n} photo(s)", "zh": "已选 {n} 张照片"},
    "report.no_photos": {"en": "No photo yet", "zh": "尚未添加照片"},
    "report.clear_photos": {"en": "Clear photos", "zh": "清除照片"},
    "report.area": {"en": "Area", "zh": "区域"},
    "report.pick_area": {"en": "Choose area", "zh": "选择区域"},
    "report.location": {"en": "Exact place (optional)", "zh": "具体位置（可选）"},
    "report.description": {"en": "What is wrong?", "zh": "隐患描述"},
    "report.grade": {"en": "Suggested grade", "zh": "建议等级"},
    "report.submit": {"en": "Save and send", "zh": "保存并发送"},
    "report.queued": {"en": "Saved. It is sent as soon as the network allows.",
                      "zh": "已保存，网络可用时将自动发送。"},
    "report.need_photo": {"en": "Add at least one photo.", "zh": "请至少添加一张照片。"},
    "report.need_area": {"en": "Choose the area.", "zh": "请选择区域。"},
    "report.need_description": {"en": "Describe the hazard.", "zh": "请填写隐患描述。"},
    "report.areas_offline": {"en": "Areas could not be loaded (offline); showing the last known list.",
                             "zh": "无法加载区域（离线），显示上次的区域列表。"},
    "picker.title": {"en": "Choose a photo", "zh": "选择照片"},
    "picker.choose": {"en": "Use this photo", "zh": "使用此照片"},
    "grade.MAJOR": {"en": "Major", "zh": "重大隐患"},
    "grade.GENERAL": {"en": "General", "zh": "一般隐患"},
    "level.A": {"en": "Level A", "zh": "A级"},
    "level.B": {"en": "Level B", "zh": "B级"},
    "level.C": {"en": "Level C", "zh": "C级"},
    # outbox
    "outbox.title": {"en": "Outbox", "zh": "待发送"},
    "outbox.menu": {"en": "Outbox", "zh": "发送队列"},
    "outbox.retry": {"en": "Send now", "zh": "立即发送"},
    "outbox.state.queued": {"en": "Queued", "zh": "排队中"},
    "outbox.state.sending": {"en": "Sending…", "zh": "发送中…"},
    "outbox.state.sent": {"en": "Sent", "zh": "已发送"},
    "outbox.state.rejected": {"en": "Rejected: {reason}", "zh": "被拒绝：{reason}"},
    "outbox.attempts": {"en": "{n} tries; last error: {error}", "zh": "已尝试 {n} 次；上次错误：{error}"},
    "outbox.kind.report_hazard": {"en": "Hazard report", "zh": "隐患上报"},
    "outbox.kind.submit_rectification": {"en": "Rectification", "zh": "整改提交"},
    # hazard lists and detail
    "mywork.title": {"en": "My work", "zh": "我的任务"},
    "mywork.menu": {"en": "My work", "zh": "我的任务"},
    "hazards.title": {"en": "Hazards of the mine", "zh": "全矿隐患"},
    "hazards.menu": {"en": "All hazards", "zh": "全矿隐患"},
    "hazard.title": {"en": "Hazard", "zh": "隐患详情"},
    "hazard.deadline": {"en": "Deadline {when}", "zh": "期限 {when}"},
    "hazard.no_deadline": {"en": "No deadline", "zh": "无期限"},
    "hazard.overdue": {"en": "OVERDUE", "zh": "已超期"},
    "hazard.reporter": {"en": "Reported by {name}", "zh": "上报人：{name}"},
    "hazard.responsible": {"en": "Responsible: {name}", "zh": "责任人：{name}"},
    "hazard.area": {"en": "Area: {name}", "zh": "区域：{name}"},
    "hazard.accept": {"en": "Accept", "zh": "接受任务"},
    "hazard.rectify": {"en": "Submit rectification", "zh": "提交整改"},
    "hazard.triage": {"en": "Triage", "zh": "评定分派"},
    "hazard.reinspect": {"en": "Re-inspect", "zh": "复查"},
    "hazard.trace": {"en": "Traceability", "zh": "责任追溯"},
    "hazard.sign_off": {"en": "Sign off (major)", "zh": "重大隐患签批"},
    "hazard.accepted": {"en": "Accepted.", "zh": "已接受。"},
    "hazard.refused": {"en": "Refused: {message}", "zh": "操作被拒绝：{message}"},
    "hazard.photos": {"en": "{n} photo(s), {m} after-photo(s)", "zh": "照片 {n} 张，整改后照片 {m} 张"},
    "hazard.changed": {"en": "Updated just now by someone else.", "zh": "刚刚被他人更新。"},
    "state.REPORTED": {"en": "Reported", "zh": "已上报"},
    "state.ASSIGNED": {"en": "Assigned", "zh": "已分派"},
    "state.RECTIFYING": {"en": "Rectifying", "zh": "整改中"},
    "state.PENDING_REVIEW": {"en": "Awaiting re-inspection", "zh": "待复查"},
    "state.CLOSED": {"en": "Closed", "zh": "已销号"},
    "state.DISMISSED": {"en": "Dismissed", "zh": "已驳回"},
    # rectify
    "rectify.title": {"en": "Rectification", "zh": "整改"},
    "rectify.note": {"en": "What was done", "zh": "整改说明"},
    "rectify.submit": {"en": "Save and send", "zh": "保存并发送"},
    "rectify.need_photo": {"en": "Add at least one after-photo.", "zh": "请至少添加一张整改后照片。"},
    "rectify.need_note": {"en": "Describe what was done.", "zh": "请填写整改说明。"},
    "rectify.queued": {"en": "Saved. It is sent as soon as the network allows.",
                       "zh": "已保存，网络可用时将自动发送。"},
    # triage
    "triage.title": {"en": "Triage queue", "zh": "待评定隐患"},
    "triage.menu": {"en": "Triage", "zh": "隐患评定"},
    "triage.grade": {"en": "Grade", "zh": "等级"},
    "triage.level": {"en": "Level", "zh": "级别"},
    "triage.responsible": {"en": "Responsible person", "zh": "责任人"},
    "triage.pick_responsible": {"en": "Choose person", "zh": "选择责任人"},
    "triage.deadline_days": {"en": "Deadline (days)", "zh": "期限（天）"},
    "triage.measures": {"en": "Control measures", "zh": "管控措施"},
    "triage.plan": {"en": "Treatment measures (major)", "zh": "治理措施（重大隐患）"},
    "triage.funds": {"en": "Funds (major)", "zh": "治理资金（重大隐患）"},
    "triage.contingency": {"en": "Contingency plan (major)", "zh": "应急预案（重大隐患）"},
    "triage.submit": {"en": "Assign", "zh": "分派"},
    "triage.dismiss": {"en": "Dismiss", "zh": "驳回"},
    "triage.reason": {"en": "Reason (required to dismiss)", "zh": "驳回原因（必填）"},
    "triage.need_responsible": {"en": "Choose the responsible person.", "zh": "请选择责任人。"},
    "triage.need_measures": {"en": "Enter the control measures.", "zh": "请填写管控措施。"},
    "triage.need_plan": {"en": "A major hazard needs treatment measures, funds and a contingency plan.",
                         "zh": "重大隐患需填写治理措施、资金和应急预案。"},
    "triage.need_reason": {"en": "Enter the reason.", "zh": "请填写原因。"},
    "triage.bad_days": {"en": "The deadline must be a whole number of days (1–365).",
                        "zh": "期限须为 1–365 的整数天。"},
    "triage.done": {"en": "Assigned to {name}.", "zh": "已分派给 {name}。"},
    "triage.dismissed": {"en": "Dismissed.", "zh": "已驳回。"},
    "triage.select": {"en": "Choose a hazard from the list.", "zh": "请从列表中选择隐患。"},
    # reinspect
    "reinspect.title": {"en": "Re-inspection", "zh": "隐患复查"},
    "reinspect.menu": {"en": "Re-inspect", "zh": "隐患复查"},
    "reinspect.pass": {"en": "Passed: close", "zh": "复查通过（销号）"},
    "reinspect.fail": {"en": "Failed: back to rectify", "zh": "复查不通过（退回整改）"},
    "reinspect.reason": {"en": "Reason (required when failed)", "zh": "原因（不通过时必填）"},
    "reinspect.passed": {"en": "Closed.", "zh": "已销号。"},
    "reinspect.failed": {"en": "Sent back for rectification.", "zh": "已退回整改。"},
    # trace
    "trace.title": {"en": "Traceability", "zh": "责任追溯"},
    "trace.empty": {"en": "No entries.", "zh": "暂无记录。"},
    "trace.entry": {"en": "{action} by {actor} ({role})", "zh": "{actor}（{role}）{action}"},
    "trace.reason": {"en": "Reason: {reason}", "zh": "原因：{reason}"},
    "action.hazard.reported": {"en": "reported", "zh": "上报"},
    "action.hazard.triaged": {"en": "triaged", "zh": "评定分派"},
    "action.hazard.accepted": {"en": "accepted", "zh": "接受任务"},
    "action.hazard.rectified": {"en": "submitted rectification", "zh": "提交整改"},
    "action.hazard.reinspection_passed": {"en": "passed re-inspection", "zh": "复查通过"},
    "action.hazard.reinspection_failed": {"en": "failed re-inspection", "zh": "复查不通过"},
    "action.hazard.signed_off": {"en": "signed off", "zh": "签批"},
    "action.hazard.closed": {"en": "closed", "zh": "销号"},
    "action.hazard.dismissed": {"en": "dismissed", "zh": "驳回"},
    "action.hazard.reassigned": {"en": "reassigned", "zh": "重新分派"},
    "role.miner": {"en": "miner", "zh": "矿工"},
    "role.team_leader": {"en": "team leader", "zh": "班组长"},
    "role.safety_officer": {"en": "safety officer", "zh": "安检员"},
    "role.mentor": {"en": "mentor", "zh": "师傅"},
    "role.area_manager": {"en": "area manager", "zh": "区队长"},
    "role.mine_manager": {"en": "mine manager", "zh": "矿长"},
    "role.admin": {"en": "admin", "zh": "管理员"},
    "role.device": {"en": "device", "zh": "设备"},
    "field.state": {"en": "State", "zh": "状态"},
    "field.grade": {"en": "Grade", "zh": "等级"},
    "field.level": {"en": "Level", "zh": "级别"},
    "field.deadline": {"en": "Deadline", "zh": "期限"},
    "field.control_measures": {"en": "Control measures", "zh": "管控措施"},
    "field.treatment_plan": {"en": "Treatment plan", "zh": "治理方案"},
    "field.rectification_note": {"en": "Rectification", "zh": "整改说明"},
    "field.description": {"en": "Description", "zh": "描述"},
    "field.dismissed_reason": {"en": "Dismissal reason", "zh": "驳回原因"},
}

LANGUAGES = ("zh", "en")


class Translator:
    """Looks keys up in the current language; `language` is switched by the user."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **fmt: Any) -> str:
        entry = STRINGS.get(key)
        if entry is None:
            logger.warning("missing text %s", key)
            return key
        text = entry.get(self.language) or entry["en"]
        if fmt:
            try:
                return text.format(**fmt)
            except (KeyError, IndexError):
                logger.warning("bad format for %s: %s", key, fmt)
        return text
