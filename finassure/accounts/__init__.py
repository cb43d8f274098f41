"""Organisation and access (组织与权限): institution, business lines, org units, users, roles, API tokens."""
