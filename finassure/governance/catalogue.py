"""Default business processes per business-line type, seeded on request and editable afterwards."""

from __future__ import annotations

_COMMON = [
    ("aml", "反洗钱", "Anti-money laundering"),
    ("complaint-handling", "消费投诉处理", "Complaint handling"),
    ("it-operations", "信息科技运维", "IT operations"),
]

# business-line kind -> [(code, 中文名, English name)]
DEFAULT_PROCESSES: dict[str, list[tuple[str, str, str]]] = {
    "banking": [
        ("credit", "信贷业务", "Credit and lending"),
        ("investment", "投资业务", "Investment"),
        ("treasury", "资金交易", "Fund trading and treasury"),
        ("counter", "柜面服务", "Counter services"),
        ("wealth-sales", "理财产品销售", "Wealth-management sales"),
        ("cards", "银行卡业务", "Card business"),
        *_COMMON,
    ],
    "securities": [
        ("brokerage", "证券经纪", "Securities brokerage"),
        ("proprietary", "证券自营投资", "Proprietary investment"),
        ("suitability", "投资者适当性管理", "Investor suitability"),
        *_COMMON,
    ],
    "insurance": [
        ("underwriting", "承保", "Insurance underwriting"),
        ("claims", "理赔", "Insurance claims"),
        ("insurance-sales", "保险销售", "Insurance sales"),
        *_COMMON,
    ],
    "fund": [
        ("fund-sales", "基金销售", "Fund sales"),
        ("portfolio", "投资管理", "Portfolio management"),
        ("fund-trading", "基金交易", "Fund trading"),
        *_COMMON,
    ],
}
