"""Information security (信息安全): scans, vulnerabilities, access reviews, backups (issue 5)."""
