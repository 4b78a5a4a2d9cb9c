"""Card brands as people write them.

Stripe names a card's brand two ways: `brand` ("amex", "unionpay") and
`display_brand` ("american_express", "union_pay"). Saved cards keep the second,
payments the first; both read the same to the customer and the admin.
"""

BRAND_NAMES = {
    "amex": "American Express", "american_express": "American Express",
    "cartes_bancaires": "Cartes Bancaires", "diners": "Diners Club",
    "diners_club": "Diners Club", "discover": "Discover", "eftpos_au": "eftpos",
    "eftpos_australia": "eftpos", "interac": "Interac", "jcb": "JCB",
    "mastercard": "Mastercard", "unionpay": "UnionPay", "union_pay": "UnionPay",
    "visa": "Visa", "other": "Card", "unknown": "Card",
}  # fmt: skip


def brand_name(brand: str | None) -> str:
    """How a card's brand is shown: "union_pay" as UnionPay; one Stripe adds later
    as its words."""
    if not brand:
        return "Card"
    return BRAND_NAMES.get(brand, brand.replace("_", " ").title())


def card_name(brand: str | None, last4: str) -> str:
    """A card as the customer and the admin see it named: "Visa •••• 4242"."""
    return f"{brand_name(brand)} •••• {last4}"
