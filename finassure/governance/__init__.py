"""Governance (制度与治理): policies, risks, regulations, internal audit (issue 6)."""
