"""Customer service (客户服务): complaints, portal, surveys, compensation (issue 4)."""
