"""finassure: the service quality and safety assurance system for financial institutions."""
