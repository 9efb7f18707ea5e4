"""Embeddable web forms that turn enquiries into lead deals with their source and campaign."""
