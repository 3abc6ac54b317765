"""Training services, one module per area. Every state change of the module goes through a function here: it checks
the rules, writes the audit trail and the archive activity, in one transaction."""
