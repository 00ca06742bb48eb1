"""Compliance mappings as data: which rule serves which control.

Framework: the Microsoft cloud security benchmark (MCSB) v1 network security controls, plus
Azure Well-Architected Framework pillars. Reviewers read and edit this table; nothing else
depends on its shape beyond :data:`MAPPINGS` being ``{rule id: {framework: (controls...)}}``.
A test keeps it in step with the registry (every rule mapped, no unknown id).
"""

from __future__ import annotations

MCSB = "Microsoft cloud security benchmark v1"
WAF = "Azure Well-Architected Framework"

#: NS-1 network segmentation, NS-2 secure cloud services with network controls,
#: NS-7 simplify network security configuration, NS-9 connect on-premises or cloud networks
#: privately, NS-10 DNS security.
MAPPINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "VNP-PEER-001": {MCSB: ("NS-9",), WAF: ("Reliability",)},
    "VNP-PEER-002": {MCSB: ("NS-9",), WAF: ("Reliability",)},
    "VNP-PEER-003": {MCSB: ("NS-1", "NS-9"), WAF: ("Reliability",)},
    "VNP-PEER-004": {MCSB: ("NS-1", "NS-9"), WAF: ("Reliability",)},
    "VNP-PEER-005": {WAF: ("Reliability", "Operational Excellence")},
    "VNP-PEER-006": {MCSB: ("NS-9",), WAF: ("Reliability",)},
    "VNP-LB-001": {MCSB: ("NS-9",), WAF: ("Reliability",)},
    "VNP-NET-001": {MCSB: ("NS-1", "NS-7"), WAF: ("Operational Excellence",)},
    "VNP-NET-002": {MCSB: ("NS-7",), WAF: ("Operational Excellence",)},
    "VNP-NET-003": {MCSB: ("NS-1", "NS-9"), WAF: ("Reliability",)},
    "VNP-ADDR-001": {MCSB: ("NS-7",), WAF: ("Reliability", "Operational Excellence")},
    "VNP-DNS-001": {MCSB: ("NS-2", "NS-10"), WAF: ("Reliability", "Security")},
    "VNP-DNS-002": {MCSB: ("NS-10",), WAF: ("Reliability",)},
    "VNP-DNS-003": {MCSB: ("NS-10",), WAF: ("Security", "Reliability")},
    "VNP-DNS-004": {MCSB: ("NS-10",), WAF: ("Reliability",)},
    "VNP-DNS-005": {MCSB: ("NS-10",), WAF: ("Reliability",)},
    "VNP-DNS-006": {MCSB: ("NS-10",), WAF: ("Operational Excellence",)},
    "VNP-DNS-007": {MCSB: ("NS-10",), WAF: ("Operational Excellence",)},
    "VNP-DNS-008": {MCSB: ("NS-2", "NS-10"), WAF: ("Security",)},
    "VNP-DNS-009": {MCSB: ("NS-10",), WAF: ("Reliability",)},
    "VNP-PE-001": {MCSB: ("NS-2",), WAF: ("Reliability",)},
    "VNP-PE-002": {MCSB: ("NS-2", "NS-10"), WAF: ("Security", "Reliability")},
    "VNP-PE-003": {MCSB: ("NS-2", "NS-3"), WAF: ("Security",)},
    "VNP-NSG-001": {MCSB: ("NS-1",), WAF: ("Security",)},
    "VNP-NSG-002": {MCSB: ("NS-1",), WAF: ("Reliability",)},
    "VNP-FW-001": {MCSB: ("NS-1", "NS-3"), WAF: ("Reliability",)},
    "VNP-RT-001": {MCSB: ("NS-1", "NS-3"), WAF: ("Reliability", "Security")},
    "VNP-GAP-001": {WAF: ("Operational Excellence", "Security")},
    "VNP-SUPP-001": {WAF: ("Operational Excellence",)},
}
