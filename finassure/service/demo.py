"""Demo complaints of 示例银行: a year of realistic Chinese complaints across branches and business lines,
handled through the real services (so clocks, surveys, audit and indicators are genuine), with some
breaches, pauses, extensions, re-checks, compensation, FAQ articles, a few still overdue today and a few
repeat complaints merged into the complaint still in handling.

`FINASSURE_DEMO_COMPLAINTS` sets how many (default 600). Idempotent: nothing is added once seeded.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from finassure.platform import demo
from finassure.service import services
from finassure.service.models import Complaint, ComplaintCategory, FaqArticle, Survey
from finassure.service.selectors import MERGEABLE_STATUSES

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰志强海燕文博子涵雨欣浩然"

# (category, product line, business line units, subject, text)
TEMPLATES = [
    ("sales-misconduct", "wealth_management", "bank", "理财产品收益与宣传不符",
     "客户经理推荐理财时口头承诺年化收益5%且保本，到期实际亏损{n}元，购买时未进行风险测评。"),
    ("sales-misconduct", "insurance_claim", "insurance", "存款变保险",
     "在网点办理存款时被推荐购买分红型保险，柜员称与定期存款一样，现在退保损失{n}元。"),
    ("fees", "credit_card", "bank", "信用卡年费未告知",
     "办卡时说明免年费，今年被扣收年费{n}元，未收到任何提醒。"),
    ("fees", "loan", "bank", "提前还款违约金过高", "申请提前还清房贷，被收取违约金{n}元，合同签订时未作说明。"),
    ("service-attitude", "deposit", "bank", "柜员服务态度差", "在网点办理业务时柜员态度冷淡，多次询问不予回应，排队超过一小时。"),
    ("claims", "insurance_claim", "insurance", "住院医疗险理赔被拒",
     "住院花费{n}元申请理赔，以既往症为由拒赔，投保时业务员并未询问健康状况。"),
    ("data-privacy", "deposit", "bank", "个人信息疑似泄露", "开户后频繁接到贷款推销电话，对方能准确说出我的姓名和开户网点。"),
    ("fraud", "credit_card", "bank", "信用卡被盗刷", "凌晨收到短信提示境外消费三笔共计{n}元，本人卡片一直在身边。"),
    ("system-failure", "payment", "bank", "转账扣款未到账", "通过手机银行跨行转账{n}元，显示成功但对方三天未收到。"),
    ("system-failure", "securities_brokerage", "securities", "交易系统卡顿", "开盘时交易软件无法登录，导致无法及时卖出股票，损失约{n}元。"),
    ("fees", "fund_sales", "fund", "基金赎回费争议", "赎回基金时被收取赎回费{n}元，购买时销售人员称持有一年免费。"),
    ("debt-collection", "credit_card", "bank", "催收骚扰家人", "信用卡逾期后催收人员频繁致电我的父母和同事，言语威胁。"),
    ("sales-misconduct", "fund_sales", "fund", "基金销售夸大收益", "销售人员称该基金去年收益30%、今年稳赚，买入后亏损{n}元。"),
    ("claims", "insurance_claim", "insurance", "车险定损金额偏低", "车辆事故维修报价{n}元，保险公司定损仅为一半，理赔员不予解释。"),
]
FAQ = [
    ("credit_card", "信用卡年费怎么收取？", "首年免年费；当年刷卡满6次可免次年年费。具体以卡种章程为准，可致电客服查询。",
     "How is the credit-card annual fee charged?", "The first year is free; six purchases in a year waive the next year's fee."),
    ("deposit", "定期存款可以提前支取吗？", "可以。提前支取部分按支取日活期利率计息，需本人携带有效身份证件到网点办理。",
     "Can I withdraw a time deposit early?", "Yes. The part withdrawn early earns the demand-deposit rate."),
    ("payment", "跨行转账多久到账？", "实时到账一般在2小时内；普通到账在24小时内；次日到账在下一个工作日。",
     "How long does an interbank transfer take?", "Real-time within 2 hours; normal within 24 hours."),
    ("wealth_management", "理财产品保本吗？", "理财产品不保本，过往业绩不代表未来表现。购买前请完成风险测评并阅读产品说明书。",
     "Is a wealth-management product capital-guaranteed?", "No. Past performance does not predict future returns."),
    ("insurance_claim", "理赔需要准备哪些材料？", "一般需要理赔申请书、身份证明、病历和费用清单或事故证明。可通过手机银行上传。",
     "What do I need for a claim?", "A claim form, ID, medical records and bills, or an accident report."),
    ("credit_card", "信用卡被盗刷怎么办？", "请立即致电客服挂失，并在24小时内到网点或通过手机银行提交争议交易申请，必要时报警。",
     "What if my card is used fraudulently?", "Call us at once to block the card and dispute the transactions."),
    ("fund_sales", "基金赎回费怎么计算？", "赎回费按持有期限分档，持有满一定期限可免赎回费，详见基金合同和招募说明书。",
     "How is the fund redemption fee calculated?", "It depends on how long you held the shares."),
]
BRANCH_UNITS = ("beijing", "beijing-haidian", "shanghai", "shanghai-pudong", "shenzhen")
LINE_UNITS = {"bank": BRANCH_UNITS, "insurance": ("insurance",), "securities": ("securities",), "fund": ("fund",)}


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


@demo.step(45, "service")
def seed_service(ctx: dict[str, Any]) -> None:
    if Complaint.objects.filter(external_id__startswith="DEMO-").exists():
        return
    services.ensure_default_categories()
    users, units = ctx["users"], ctx["units"]
    officer, agent = users["cpo"], users["agent"]
    for product, question, answer, question_en, answer_en in FAQ:
        if not FaqArticle.objects.filter(question=question).exists():
            services.faq_save(actor=officer, product_line=product, question=question, answer=answer,
                              question_en=question_en, answer_en=answer_en)
    categories = {c.code: c for c in ComplaintCategory.objects.all()}
    rng = random.Random(2026)  # noqa: S311 - demo data, reproducible
    count = int(os.environ.get("FINASSURE_DEMO_COMPLAINTS", "600"))
    now = timezone.now()
    for n in range(count):
        code, product, line, subject, text = rng.choice(TEMPLATES)
        unit = units[rng.choice(LINE_UNITS[line])]
        handler = agent if unit.path.startswith(units["beijing"].path) and rng.random() < 0.6 else officer
        still_open = n % 20 in (0, 1)  # a few in handling today: some fresh, some past the 15 days
        received = now - (dt.timedelta(days=rng.uniform(0.2, 25)) if still_open
                          else dt.timedelta(days=rng.uniform(1, 365), hours=rng.uniform(0, 23)))
        group = 1 if rng.random() > 0.01 else rng.randint(20, 60)
        complaint = services.complaint_register(
            actor=handler, org_unit=unit, subject=subject, text=text.format(n=rng.randrange(200, 50_000)),
            product_line=product, category=categories[code], channel=rng.choice(["phone", "counter", "portal", "app",
                                                                                "letter", "regulator", "email"]),
            complainant_name=_name(rng), complainant_phone=_phone(rng), group_size=group,
            received_at=received, external_id=f"DEMO-{n:05d}",
        )
        if still_open:
            if n % 20 == 0:
                services.complaint_accept(actor=handler, complaint=complaint, at=received + dt.timedelta(hours=1))
            continue
        _handle(complaint, handler, officer, rng, received, now)
    _touch_point_surveys(units, rng, now, count // 2)
    _repeat_complaints(officer, now)


def _handle(complaint: Complaint, handler: Any, officer: Any, rng: random.Random, received: dt.datetime,
            now: dt.datetime) -> None:
    age = now - received
    accepted = received + dt.timedelta(hours=rng.uniform(0.2, 6))
    if accepted >= now:
        return
    services.complaint_accept(actor=handler, complaint=complaint, at=accepted)
    # how long the handling takes: most within 48 hours, some days, a few beyond the regulatory limit
    roll = rng.random()
    hours = rng.uniform(4, 40) if roll < 0.75 else rng.uniform(50, 24 * 12) if roll < 0.95 else rng.uniform(24 * 16, 24 * 40)
    moment = accepted
    if rng.random() < 0.08:  # appraisal or mediation
        pause = accepted + dt.timedelta(hours=hours / 3)
        if pause < now:
            services.complaint_pause(actor=handler, complaint=complaint, reason=rng.choice(["appraisal", "mediation"]),
                                     customer_notified=True, at=pause)
            moment = pause + dt.timedelta(days=rng.uniform(2, 10))
            if moment >= now:
                return
            services.complaint_resume(actor=handler, complaint=complaint, at=moment)
            hours += (moment - pause).total_seconds() / 3600
    if hours > 24 * 14 and rng.random() < 0.6:
        extend_at = max(moment, accepted + dt.timedelta(days=10))
        if extend_at < now:
            services.complaint_extend(actor=handler, complaint=complaint, reason="案情复杂，需调取录音录像", at=extend_at)
            moment = extend_at
    decided = max(moment, accepted + dt.timedelta(hours=hours * 0.8))
    if decided >= now or age < dt.timedelta(days=2) and rng.random() < 0.5:
        return  # still in handling today (some of these are overdue)
    upheld = rng.random() < 0.55
    services.complaint_decide(
        actor=handler, complaint=complaint, at=decided, upheld=upheld,
        facts="经调阅业务凭证、录音录像并与当事员工核实，情况属实。" if upheld else "经调阅业务凭证及录音录像，未发现违规情形。",
        basis="《银行业保险业消费投诉处理管理办法》及相关合同条款",
        reasons="我行存在告知不充分的问题。" if upheld else "业务办理符合合同约定及内部规定。",
        remedies="如对处理结果有异议，可在30日内申请核查，或申请调解、仲裁、诉讼。",
    )
    notified = decided + dt.timedelta(minutes=rng.uniform(5, 120))
    if notified >= now:
        return
    services.complaint_notify(actor=handler, complaint=complaint, method=rng.choice(["sms", "call", "letter", "email"]),
                              reference=f"TZ-{complaint.pk:06d}", at=notified)
    closed = max(notified, accepted + dt.timedelta(hours=hours)) + dt.timedelta(minutes=10)
    if closed >= now:
        return
    services.complaint_close(actor=handler, complaint=complaint, at=closed)
    if upheld and handler != officer and rng.random() < 0.4:  # maker (agent) and checker (officer) differ
        item = services.compensation_propose(actor=handler, complaint=complaint, amount=Decimal(rng.randrange(50, 5000)),
                                             reason="退还相关费用并给予补偿")
        services.compensation_decide(actor=officer, compensation=item, approve=True)
        services.compensation_pay(actor=handler, compensation=item, evidence=f"转账流水 PAY{item.pk:06d}")
    survey = Survey.objects.filter(complaint=complaint).first()
    if survey is not None and rng.random() < 0.7:
        rating = rng.choices([5, 4, 3, 2, 1], weights=[55, 30, 8, 4, 3])[0]
        services.survey_answer(token=survey.token, rating=rating, at=min(now, closed + dt.timedelta(days=1)))
    if not upheld and rng.random() < 0.05 and now - complaint.decided_at < dt.timedelta(days=30):  # type: ignore[operator]
        services.complaint_recheck(actor=handler, complaint=complaint, note="客户对处理结果不认可，申请核查",
                                   at=min(now, closed + dt.timedelta(days=1)))


REPEAT_COMPLAINTS = 5
REPEAT_NOTE = "客户就同一事项再次来电投诉，与在办投诉为同一诉求，合并处理。"


def _repeat_complaints(officer: Any, now: dt.datetime) -> None:
    """A few customers complained again about a complaint still in handling: the repeat is registered,
    accepted and merged into the first through the merge service, so its page shows the merge and both of
    its clocks stopped (statistics count the pair once)."""
    primaries = (Complaint.objects.filter(external_id__startswith="DEMO-", status__in=MERGEABLE_STATUSES,
                                          kind=Complaint.Kind.COMPLAINT)
                 .select_related("org_unit", "category").order_by("external_id")[:REPEAT_COMPLAINTS])
    for primary in primaries:
        waited = now - primary.received_at
        received = primary.received_at + waited / 2
        repeat = services.complaint_register(
            actor=officer, org_unit=primary.org_unit, subject=f"再次投诉：{primary.subject}",
            text=f"此前已投诉（{primary.tracking_number}），至今未得到答复，再次反映：{primary.text}",
            product_line=primary.product_line, category=primary.category, channel="phone",
            complainant_name=primary.complainant_name, complainant_phone=primary.complainant_phone,
            received_at=received, external_id=f"{primary.external_id}-R",
        )
        services.complaint_accept(actor=officer, complaint=repeat, at=received + waited / 8)
        services.complaint_merge(actor=officer, duplicate=repeat, primary=primary, reason=REPEAT_NOTE,
                                 at=received + waited / 4)


def _touch_point_surveys(units: dict[str, Any], rng: random.Random, now: dt.datetime, count: int) -> None:
    """Service surveys after counter visits, calls and app sessions (customer satisfaction)."""
    for _ in range(count):
        unit = units[rng.choice(BRANCH_UNITS)]
        survey = services.survey_create(kind=Survey.Kind.SERVICE, org_unit=unit,
                                        touch_point=rng.choice(["柜面", "电话客服", "手机银行", "理财顾问"]))
        if rng.random() < 0.8:
            rating = rng.choices([5, 4, 3, 2, 1], weights=[60, 28, 7, 3, 2])[0]
            services.survey_answer(token=survey.token, rating=rating,
                                   at=now - dt.timedelta(days=rng.uniform(0, 365)))
