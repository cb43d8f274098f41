"""Platform (平台): base models, audit trail, errors, permissions, field encryption, masking, tasks."""
