"""Demo incidents of 示例银行: a year of incidents of every grade through their lifecycle, two emergency plans
with a drill each. Seeded through the services (with past times), so timelines and audit records are real."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from finassure.incidents import services
from finassure.incidents.models import Drill, EmergencyPlan, Grade, Incident, IncidentType, Status
from finassure.platform import demo

# (type, grade, unit, title, description, customers, minutes to ack, hours to contain, hours to resolve)
INCIDENTS = [
    ("outage", Grade.MAJOR, "head-office", "手机银行登录失败", "手机银行 App 登录接口间歇性超时，持续约 10 小时。", 18000, 8, 6, 10),
    ("infosec", Grade.SERIOUS, "it", "对外门户遭受 DDoS 攻击", "官网及网银入口遭受流量攻击，峰值 40 Gbps，已启用清洗。", 0, 12, 1, 3),
    ("pii-leak", Grade.SERIOUS, "shanghai", "客户信息外发邮件误发", "理财经理将含 312 名客户姓名与手机号的表格误发至外部邮箱。", 312, 25,
     2, 20),
    ("fraud", Grade.GENERAL, "beijing-haidian", "冒充客服诈骗老年客户", "客户接到冒充本行客服电话，转账 5 万元，已协助报警止付。", 1, 40, 3,
     30),
    ("major-complaint", Grade.GENERAL, "shenzhen", "群体性投诉：理财产品延期兑付", "23 名客户联名投诉理财产品延期兑付。", 23, 50, 24, 96),
    ("operational", Grade.GENERAL, "beijing", "ATM 吞卡未及时处理", "网点 ATM 吞卡，客户等待 2 小时未获处理。", 1, 150, 2, 3),
    ("outage", Grade.SERIOUS, "it", "核心系统批处理延迟", "日终批处理延迟 3 小时，次日开门前完成。", 0, 15, 2, 4),
    ("infosec", Grade.GENERAL, "it", "办公终端勒索软件告警", "终端检测到勒索软件样本，已隔离，未扩散。", 0, 20, 0.5, 6),
    ("outage", Grade.GENERAL, "shanghai-pudong", "网点断网", "运营商线路中断，网点切换 4G 备份线路。", 60, 30, 1, 2),
    ("operational", Grade.GENERAL, "securities", "交易系统行情延迟", "行情推送延迟约 8 分钟。", 2000, 10, 0.3, 1),
    ("infosec", Grade.MAJOR, "it", "第三方支付接口证书过期", "与第三方支付机构的接口证书过期，支付失败 52 分钟。", 9000, 18, 0.9,
     1.2),
    ("pii-leak", Grade.GENERAL, "insurance", "理赔资料遗失", "一份纸质理赔资料在转运中遗失。", 1, 90, 12, 48),
]


def _user(users: dict[str, Any], unit_code: str) -> Any:
    return {"beijing": users["agent"], "beijing-haidian": users["agent"], "shanghai": users["employee"],
            "shanghai-pudong": users["employee"]}.get(unit_code, users["secofficer"])


@demo.step(70, "incidents")
def seed_incidents(ctx: dict[str, Any]) -> None:
    institution, units, users = ctx["institution"], ctx["units"], ctx["users"]
    if Incident.objects.filter(org_unit__institution=institution).exists():
        return
    types = {t.code: t for t in IncidentType.objects.all()}
    officer, risk, quality = users["secofficer"], users["risk"], users["quality"]
    _seed_plans(units, officer, risk, types)
    rng = random.Random(5)  # noqa: S311 - demo data, not security
    now = timezone.now()
    for i, (code, grade, unit_code, title, text, customers, ack_min, contain_h, resolve_h) in enumerate(INCIDENTS):
        reported = now - dt.timedelta(days=355 - i * 29, hours=rng.randint(0, 8))
        incident = services.incident_report(actor=_user(users, unit_code), org_unit=units[unit_code],
                                            incident_type=types[code], title=title, grade=grade, description=text,
                                            affected_customers=customers, now=reported,
                                            occurred_at=reported - dt.timedelta(minutes=rng.randint(5, 30)))
        t_ack = reported + dt.timedelta(minutes=ack_min)
        services.incident_transition(actor=officer, incident=incident, to_status=Status.ACKNOWLEDGED, now=t_ack,
                                     note="值班人员已确认，启动处置。")
        for step in incident.plan_steps.order_by("index"):
            services.incident_plan_step_complete(actor=officer, incident=incident, step=step,
                                                 now=t_ack + dt.timedelta(minutes=5 + step.index * 7))
        if grade != Grade.GENERAL:
            services.incident_regulator_report(actor=officer, incident=incident, now=t_ack + dt.timedelta(minutes=5),
                                               note="已电话首报属地监管部门。")
        services.incident_transition(actor=officer, incident=incident, to_status=Status.CONTAINED,
                                     now=reported + dt.timedelta(hours=contain_h))
        resolved = reported + dt.timedelta(hours=resolve_h)
        incident = services.incident_transition(actor=officer, incident=incident, to_status=Status.RESOLVED,
                                                 now=resolved)
        review = services.review_start(actor=officer, incident=incident, now=resolved + dt.timedelta(days=1))
        services.review_update(actor=officer, review=review, impact=f"影响客户约 {customers} 户。", detection="监控告警/客户来电",
                               timeline_summary="见事件时间线。", whys=["直接原因已定位", "监控阈值设置不合理", "缺少定期复核"],
                               root_cause="监控与复核机制不完善。", lessons="完善监控阈值，纳入季度复核。")
        services.review_complete(actor=officer, review=review, now=resolved + dt.timedelta(days=3))
        if i == len(INCIDENTS) - 2:  # the certificate incident keeps an open corrective action: still under review
            services.review_action_open(actor=officer, review=review, title="整改：证书到期统一监控与双人提醒",
                                        description="将全部对外接口证书纳入统一监控，到期前 30 天双人提醒。",
                                        owner=users["sysadmin"], due=(now + dt.timedelta(days=30)).date())
            continue
        services.incident_close(actor=quality, incident=incident, now=resolved + dt.timedelta(days=4))
    # open incidents whose timers run now
    services.incident_report(actor=users["employee"], org_unit=units["shanghai"], incident_type=types["outage"],
                             title="上海分行柜面系统缓慢", grade=Grade.SERIOUS, description="柜面交易响应超过 10 秒。",
                             affected_customers=150, now=now - dt.timedelta(minutes=20))
    recent = services.incident_report(actor=users["agent"], org_unit=units["beijing"], incident_type=types["fraud"],
                                      title="疑似批量开立可疑账户", grade=Grade.GENERAL,
                                      description="同一手机号关联 6 个新开户。", now=now - dt.timedelta(hours=3))
    services.incident_note_add(actor=officer, incident=recent, text="已通知反洗钱岗核查。", now=now - dt.timedelta(hours=1))
    services.timers_check(now=now)


def _seed_plans(units: dict[str, Any], author: Any, approver: Any, types: dict[str, IncidentType]) -> None:
    now = timezone.now()
    plans = [
        ("网银及手机银行系统中断应急预案", "网上银行、手机银行全部或部分功能不可用超过 15 分钟。", ["outage"],
         [Grade.EXTRAORDINARY, Grade.MAJOR, Grade.SERIOUS], "网上银行、手机银行、统一认证",
         [("值班经理", "启动应急小组并通知科技部负责人"), ("运维", "确认故障范围，切换至备用链路或灾备中心"),
          ("联络人", "30 分钟内向监管部门首报"), ("客服", "发布客户公告并准备话术"), ("运维", "恢复后验证核心交易")]),
        ("个人信息泄露应急预案", "客户个人金融信息疑似或确认泄露。", ["pii-leak", "infosec"], [],
         "客户信息系统、邮件系统", [("信息安全岗", "控制泄露源，保全证据"), ("合规", "评估影响范围与数据级别"),
                           ("联络人", "按规定报告监管部门"), ("客服", "通知受影响客户并提供补救措施")]),
    ]
    for title, scenario, codes, grades, systems, steps in plans:
        if EmergencyPlan.objects.filter(title=title).exists():
            continue
        plan = services.plan_create(actor=author, org_unit=units["head-office"], title=title, scenario=scenario,
                                    steps=[{"role": r, "title": t} for r, t in steps],
                                    review_due_on=(now + dt.timedelta(days=200)).date(), trigger_grades=grades,
                                    incident_types=[types[c] for c in codes], systems=systems,
                                    contacts="科技部值班 010-6688 0000；信息安全岗 010-6688 0001")
        version = services.plan_version_approve(actor=approver, version=plan.versions.get(),
                                                now=now - dt.timedelta(days=365))
        started = now - dt.timedelta(days=60 if "网银" in title else 400)
        drill = services.drill_schedule(actor=author, org_unit=units["head-office"], plan_version=version,
                                        title=f"{started.year} 年度演练：{title.removesuffix('应急预案')}",
                                        scheduled_for=started)
        drill = services.drill_start(actor=author, drill=drill, now=started)
        for step in drill.steps.order_by("index"):
            services.drill_step_complete(actor=author, drill=drill, step=step,
                                         now=started + dt.timedelta(minutes=8 + step.index * 9))
        drill = services.drill_complete(actor=author, drill=drill, score=86,
                                        evaluation="切换按时完成；客户公告发布比目标晚 6 分钟。",
                                        now=started + dt.timedelta(minutes=70))
        if drill.state == Drill.State.COMPLETED and "网银" in title:
            services.drill_finding_open(actor=author, drill=drill, title="整改：预置客户公告模板", description="",
                                        owner=author, due=(now + dt.timedelta(days=45)).date())
