"""TWC's embedded sandbox: a Keycloak-shaped token endpoint per tenant realm and the 13 customer endpoints of the
customer service, on SQLite, with demo data for two tenants (``runtime.Sandbox`` assembles it)."""
