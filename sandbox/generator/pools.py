"""Word pools the generator combines column-wise: names, streets, suburbs, trades, vehicles, parts.

Faker (seeded) supplies the person and place names; the rest are short fixed lists. Pools hold
single alphabetic words, deduplicated case-insensitively, so every combination of pool entries is
a distinct name even after a matcher lower-cases it and collapses spaces — which is what lets the
generator know, by construction, which names collide and which don't.
"""

from __future__ import annotations

from dataclasses import dataclass

from faker import Faker

from sandbox.generator.randomness import stream

CUSTOMER_TRADES = (
    "Plumbing", "Electrical", "Transport", "Logistics", "Landscaping", "Builders", "Couriers", "Carpentry",
    "Roofing", "Painting", "Concreting", "Fencing", "Tiling", "Glazing", "Excavations", "Haulage", "Removals",
    "Catering", "Florists", "Bakery", "Cleaning", "Security", "Pest Control", "Air Conditioning", "Solar",
    "Irrigation", "Scaffolding", "Demolition", "Surveying", "Joinery", "Plastering", "Flooring", "Pools",
    "Earthmoving", "Towing", "Hire", "Fleet Services", "Construction", "Maintenance", "Gardens",
    "Renovations", "Kitchens", "Bathrooms", "Cabinets", "Signs", "Printing", "Mechanical Services",
    "Refrigeration", "Welding", "Engineering",
)
SUPPLIER_TRADES = (
    "Auto Parts", "Automotive Supplies", "Tyres", "Batteries", "Lubricants", "Brake Supplies", "Filters",
    "Exhausts", "Radiators", "Auto Electrics Wholesale", "Bearings", "Paint Supplies", "Glass", "Engines",
    "Transmissions", "Suspension", "Accessories", "Motor Spares", "Trade Supplies", "Wholesale",
)
NOISE_TRADES = ("Accounting", "Legal", "Insurance", "Telecom", "Energy", "Water", "Office Supplies",
                "Consulting", "Software", "Marketing", "Rentals", "Property", "Finance", "Advisory")
EMAIL_DOMAINS = ("gmail.com", "outlook.com", "bigpond.com", "yahoo.com.au", "icloud.com", "optusnet.com.au",
                 "hotmail.com", "iinet.net.au")
VEHICLES = (
    ("Toyota", "Corolla"), ("Toyota", "Hilux"), ("Toyota", "RAV4"), ("Toyota", "Camry"), ("Mazda", "3"),
    ("Mazda", "CX-5"), ("Hyundai", "i30"), ("Hyundai", "Tucson"), ("Ford", "Ranger"), ("Ford", "Everest"),
    ("Mitsubishi", "Triton"), ("Mitsubishi", "Outlander"), ("Kia", "Sportage"), ("Kia", "Cerato"),
    ("Nissan", "Navara"), ("Nissan", "X-Trail"), ("Volkswagen", "Golf"), ("Volkswagen", "Amarok"),
    ("Subaru", "Forester"), ("Subaru", "Outback"), ("Isuzu", "D-Max"), ("Holden", "Commodore"),
    ("Tesla", "Model 3"), ("MG", "ZS"), ("Honda", "CR-V"), ("BMW", "X3"), ("Mercedes-Benz", "Sprinter"),
)
PART_KINDS = (
    # (description stem, stocked share, cost range in cents)
    ("Oil filter", 0.95, (600, 2500)), ("Air filter", 0.9, (900, 4000)), ("Cabin filter", 0.85, (1200, 4500)),
    ("Fuel filter", 0.8, (1500, 6000)), ("Engine oil 5W-30 (L)", 1.0, (700, 1400)),
    ("Engine oil 10W-40 (L)", 1.0, (600, 1200)), ("Coolant (L)", 1.0, (500, 1100)),
    ("Brake fluid DOT4", 1.0, (900, 2000)), ("Brake pads front", 0.8, (3500, 12000)),
    ("Brake pads rear", 0.75, (3000, 10000)), ("Brake rotor", 0.5, (4500, 18000)), ("Wiper blade", 0.9, (900, 3000)),
    ("Spark plug", 0.9, (600, 3500)), ("Battery", 0.6, (9000, 28000)), ("Drive belt", 0.5, (2500, 9000)),
    ("Timing belt kit", 0.2, (12000, 45000)), ("Water pump", 0.15, (8000, 35000)), ("Alternator", 0.1, (18000, 65000)),
    ("Starter motor", 0.1, (15000, 55000)), ("Radiator", 0.1, (15000, 60000)), ("Headlight globe", 0.95, (800, 4000)),
    ("Shock absorber", 0.3, (6000, 25000)), ("CV joint", 0.2, (7000, 22000)), ("Wheel bearing", 0.3, (4000, 15000)),
    ("Tyre 205/55R16", 0.7, (9000, 20000)), ("Tyre 265/65R17", 0.6, (15000, 32000)), ("Clutch kit", 0.1, (25000, 90000)),
    ("Thermostat", 0.4, (2500, 9000)), ("O2 sensor", 0.25, (6000, 24000)), ("Ignition coil", 0.35, (4500, 16000)),
)
STATE_POSTCODE = {"NSW": 2000, "ACT": 2600, "VIC": 3000, "QLD": 4000, "SA": 5000, "WA": 6000, "TAS": 7000, "NT": 800}


@dataclass(frozen=True)
class Pools:
    first_names: list[str]
    last_names: list[str]
    streets: list[str]
    suburbs: list[tuple[str, str, str]]  # (suburb, state, postcode)


def _single_words(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for name in names:
        if name.isalpha() and name.isascii() and name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out


def build_pools(seed: int) -> Pools:
    """Pools drawn from a Faker seeded with ``seed`` (en_AU), in a fixed order."""
    faker = Faker("en_AU")
    faker.seed_instance(seed)
    person = faker.provider("faker.providers.person")
    trade_words = {word.lower() for trade in CUSTOMER_TRADES + SUPPLIER_TRADES + NOISE_TRADES for word in trade.split()}
    first = _single_words(list(person.first_names))
    last = [name for name in _single_words(list(person.last_names)) if name.lower() not in trade_words]
    rng = stream(seed, "pools")
    first = [first[i] for i in rng.permutation(len(first))]
    last = [last[i] for i in rng.permutation(len(last))]
    streets, suburbs, seen = [], [], set()
    while len(streets) < 400:
        street = faker.street_name()
        if street not in seen:
            seen.add(street)
            streets.append(street)
    states = list(STATE_POSTCODE)
    weights = [0.32, 0.02, 0.26, 0.2, 0.07, 0.1, 0.02, 0.01]
    while len(suburbs) < 300:
        name = faker.city()
        if name in seen:
            continue
        seen.add(name)
        state = states[int(rng.choice(len(states), p=weights))]
        suburbs.append((name, state, f"{STATE_POSTCODE[state] + int(rng.integers(0, 999)):04d}"))
    return Pools(first, last, streets, suburbs)
