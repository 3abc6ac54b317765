"""Suggestion services, one module per side (deputy, office, unit, deadlines, reports). State changes go through workflow.transition()."""
