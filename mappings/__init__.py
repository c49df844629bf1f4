"""Declarative configuration: account codes, tax types, tracking, payment methods, switches, fields."""

from mappings.loader import MappingError, Mappings, check_against_xero, load_mappings, mappings_dir

__all__ = ["MappingError", "Mappings", "check_against_xero", "load_mappings", "mappings_dir"]
