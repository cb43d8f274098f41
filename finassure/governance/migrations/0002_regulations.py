"""Pre-load the regulation library with the four regulations finassure builds in (../shared/REGULATIONS.md)
and their key articles. The data is frozen here, as a migration must be."""

import datetime as dt

from django.db import migrations

# (code, title, issuer, document number, in force from, [(article, summary)])
REGULATIONS = [
    (
        "pboc-2016-3", "金融机构大额交易和可疑交易报告管理办法", "中国人民银行", "中国人民银行令〔2016〕第3号",
        dt.date(2017, 7, 1),
        [
            ("第五条", "大额交易报告标准：当日单笔或累计人民币5万元（外币等值1万美元）以上现金交易；非自然人客户"
                      "200万元（20万美元）以上转账；自然人客户境内50万元（10万美元）、跨境20万元（1万美元）以上转账。"
                      "按资金收入或支出单边累计。"),
            ("第六条", "同一笔交易符合两项以上大额交易标准的，应当分别提交大额交易报告。"),
            ("第十一条", "发现或有合理理由怀疑客户、资金或交易与洗钱等犯罪活动相关的，不论金额大小，应当提交可疑交易报告。"),
            ("第十二条", "金融机构应当制定本机构的交易监测标准，并对其有效性负责。"),
        ],
    ),
    (
        "cbirc-2020-3", "银行业保险业消费投诉处理管理办法", "中国银行保险监督管理委员会", "中国银保监会令2020年第3号",
        dt.date(2020, 3, 1),
        [
            ("第十七条", "投诉处理人员与投诉事项有直接利害关系的，应当回避。"),
            ("第十八条", "受理之日起15日内作出处理决定；情况复杂的可延长至30日；特别复杂的经高级管理人员批准可再延长30日。"
                        "鉴定、检测、评估时间不计入。"),
            ("第十九条", "处理决定应当载明核实的事实、依据、理由及补救措施。"),
            ("第二十条", "投诉人对处理决定有异议的，可在30日内申请核查，机构应在30日内作出核查决定。"),
            ("第二十一条", "以书面或其他方式告知投诉人，并留存告知证明。"),
            ("第二十三条", "调解期间不计入处理期限。"),
            ("第二十六条", "开展投诉统计分析，溯源整改。"),
            ("第二十八条", "建立投诉登记台账和档案。"),
            ("第二十九条", "重大消费投诉（20人以上集体投诉或因重大灾害、安全事故、公共卫生事件引发）启动应急预案。"),
            ("第四十三条", "本办法所称“日”为自然日。"),
        ],
    ),
    (
        "jrt-0171-2020", "个人金融信息保护技术规范", "中国人民银行", "JR/T 0171—2020", dt.date(2020, 2, 13),
        [
            ("C3", "C3类用户鉴别信息（密码、卡磁道/芯片数据、CVN、有效期、生物识别鉴别信息）不得明文存储、不得记录于日志、不得展示。"),
            ("C2", "C2类可识别特定个人金融信息主体身份与金融状况的信息（账号、卡号、证件号码、手机号码、地址、交易信息等）"
                   "存储和传输中加密，展示时屏蔽。"),
            ("C1", "C1类机构内部的信息资产（开户机构、时间、令牌等）按内部管理要求保护。"),
            ("展示屏蔽", "银行卡号、证件号码、手机号码、姓名等展示时应屏蔽（默认规则可配置）。"),
        ],
    ),
    (
        "gbt-22239-2019", "信息安全技术 网络安全等级保护基本要求（第三级）", "国家市场监督管理总局、国家标准化管理委员会",
        "GB/T 22239—2019", dt.date(2019, 12, 1),
        [
            ("8.1.4.1", "身份鉴别：用户身份唯一标识，口令复杂度，登录失败处理，采用两种或以上组合鉴别技术且其中一种为密码技术。"),
            ("8.1.4.2", "访问控制：最小权限，系统管理员、安全管理员、审计管理员权限分离。"),
            ("8.1.4.3", "安全审计：审计覆盖每个用户及重要安全事件，记录时间、用户、事件类型和结果，保护审计记录不被删除和修改。"),
            ("8.1.4.7", "数据完整性：采用校验技术或密码技术保证重要数据在传输和存储过程中的完整性。"),
            ("8.1.4.8", "数据保密性：采用密码技术保证重要数据在传输和存储过程中的保密性。"),
            ("8.1.4.9", "数据备份恢复：提供重要数据的本地数据备份与恢复功能。"),
        ],
    ),
]


def forward(apps, schema_editor):
    Regulation = apps.get_model("governance", "Regulation")
    Article = apps.get_model("governance", "Article")
    for code, title, issuer, number, effective_on, articles in REGULATIONS:
        regulation, _ = Regulation.objects.get_or_create(
            code=code, defaults={"title": title, "issuer": issuer, "document_number": number,
                                 "effective_on": effective_on})
        for order, (article, summary) in enumerate(articles, start=1):
            Article.objects.get_or_create(regulation=regulation, number=article,
                                          defaults={"order": order, "summary": summary})


def backward(apps, schema_editor):
    apps.get_model("governance", "Regulation").objects.filter(code__in=[r[0] for r in REGULATIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
