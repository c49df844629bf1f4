"""Sensors that keep the books in step between the nightly runs."""

import dagster as dg

SENSORS: list[dg.SensorDefinition] = []
