#!/usr/bin/env python3
"""Deterministic benchmark data for muelle.

Every data set comes from random.Random(seed), so the same parameters always give the same bytes.
Each output is written beside a `<output>.params` stamp (the parameters plus a digest of this script);
when the stamp matches, the file is left alone, so repeated bench runs do not regenerate anything.

    generate.py csv    --rows N [--seed S] --out FILE   Shopify orders export (BOM, CRLF, a row per line item)
    generate.py ndjson --rows N [--seed S] --out FILE   the same orders, one Mercado Libre order per line
    generate.py xml    --mb M   [--seed S] --out FILE   Cdiscount GetOrderList SOAP answer of about M MB
    generate.py drops  --count N [--seed S] --out DIR   N one-order Mercado Libre /orders/search files
    generate.py feed   --mb M   [--seed S] --out FILE   Google Merchant Center RSS product feed of about M MB

It prints one line: `<records> <bytes>` (records = CSV data rows / orders / products / files).
"""

import argparse
import csv
import hashlib
import json
import os
import sys
import unicodedata
from dataclasses import dataclass, field
from random import Random

# ----------------------------------------------------------------------------------------------
# The order model shared by every format: orders are drawn once, then written in each platform's shape,
# so the CSV, the NDJSON and the XML describe the same orders (the XML takes a prefix of them).

FIRST_NAMES = ["Ana", "José", "María Fernanda", "Jürgen", "Françoise", "Zoë", "Søren", "Łukasz", "Inés", "Noël",
               "Luis", "Claire", "Olaf", "Agnès", "João", "Björn", "Sofía", "Andrés", "Renée", "Mónica", "Chloé",
               "Çağla", "Dvořák", "Íñigo", "Ægir", "Maëlle", "Pál", "Sébastien", "Ramón", "Hélène"]
LAST_NAMES = ["Pérez", "Müller", "Lefèvre", "Núñez", "García Muñoz", "Ærø", "O'Brien", "Gómez", "Rodríguez",
              "Dupont", "Schäfer", "Kowalczyk", "Brontë", "Fernández", "Łęcki", "Öztürk", "Sánchez", "Håkansson",
              "D'Angelo", "Würth", "Conceição", "Ibáñez", "Château", "Jiménez", "Straße"]
STREETS = ["Calle de Alcalá", "Königstraße", "rue de la Paix", "Rúa do Vilar", "Søndergade", "Via dell'Orso",
           "Avenida da Liberdade", "Carrer de Còrsega", "place Kléber", "Herengracht", "Ulica Piękna",
           "Paseo de la Castellana", "Boulevard Saint-Michel", "Schloßallee", "Calle Mayor"]
# (city, province code, zip pattern, country, currency)
PLACES = [("Madrid", "M", "280{:02d}", "ES", "EUR"), ("Barcelona", "B", "080{:02d}", "ES", "EUR"),
          ("Santiago de Compostela", "C", "157{:02d}", "ES", "EUR"), ("Sevilla", "SE", "410{:02d}", "ES", "EUR"),
          ("Paris", "", "750{:02d}", "FR", "EUR"), ("Lyon", "", "690{:02d}", "FR", "EUR"),
          ("Dresden", "SN", "010{:02d}", "DE", "EUR"), ("München", "BY", "803{:02d}", "DE", "EUR"),
          ("Lisboa", "", "11{:02d}-001", "PT", "EUR"), ("Roma", "RM", "001{:02d}", "IT", "EUR"),
          ("Aarhus", "", "80{:02d}", "DK", "DKK"), ("Amsterdam", "NH", "10{:02d} AB", "NL", "EUR")]
PRODUCTS = ["Camiseta", "Gorra de lana", "Sudadera \"Montaña\"", "Calcetines térmicos (3 pares)", "Pegatina",
            "Théière en fonte « Jardin » 1,2 L", "Tasse à thé porcelaine, lot de 2", "Café de Huila 500 g",
            "Panela orgánica \"La Dulcera\" 1 kg", "Hue - Blå", "Bolso de piel, marrón", "Taza esmaltada",
            "Manta de lana merino", "Cuaderno A5, tapa dura", "Vela de soja – lavanda", "Jabón de Alepo"]
COLOURS = ["Azul", "Verde", "Gris", "Negro", "Blanco", "Rojo", "Ocre"]
SIZES = ["XS", "S", "M", "L", "XL"]

# Shopify financial statuses, weighted like a shop's normal week (most paid).
FINANCIAL = [("paid", 70), ("pending", 8), ("authorized", 4), ("partially_paid", 3),
             ("refunded", 6), ("partially_refunded", 4), ("voided", 5)]
FULFILMENT = [("", 40), ("unfulfilled", 30), ("fulfilled", 25), ("partial", 5)]


def weighted(rng, table):
    total = sum(w for _, w in table)
    pick = rng.randrange(total)
    for value, weight in table:
        if pick < weight:
            return value
        pick -= weight
    raise AssertionError


def ascii_only(text):
    """"João" → "Joao": e-mail addresses stay ASCII."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def money(cents):
    """Exact text of an amount in cents (no floats on the way)."""
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass
class Line:
    sku: str
    title: str
    quantity: int
    price: int  # cents


@dataclass
class Order:
    index: int
    created: tuple  # (day, hour, minute, second, centiseconds) in November 2026
    first: str
    last: str
    email: str
    phone: str
    street: str
    number: int
    line2: str
    company: str
    place: tuple
    zip: str
    zip_apostrophe: bool
    financial: str
    fulfilment: str
    cancelled: bool
    shipping: int
    discount: int
    note: str
    lines: list = field(default_factory=list)

    @property
    def subtotal(self):
        return sum(l.quantity * l.price for l in self.lines)

    @property
    def total(self):
        return self.subtotal + self.shipping - self.discount

    @property
    def tax(self):
        return (self.total * 21 + 60) // 121  # VAT included, rounded

    @property
    def currency(self):
        return self.place[4]


def make_order(rng, index, n_lines):
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    place = rng.choice(PLACES)
    financial = weighted(rng, FINANCIAL)
    fulfilment = weighted(rng, FULFILMENT)
    order = Order(
        index=index,
        created=(rng.randint(1, 30), rng.randint(0, 23), rng.randrange(60), rng.randrange(60), rng.randrange(100)),
        first=first, last=last,
        email=ascii_only(f"{first.split()[0].lower()}.{index}@example.com"),
        phone=f"+34 6{rng.randrange(10**8):08d}" if rng.random() < 0.7 else "",
        street=rng.choice(STREETS), number=rng.randint(1, 200),
        line2=rng.choice(["", "", "", "3º izq.", "Hinterhaus, 2. OG", "Bâtiment B", "Apt. 4, escalera 2"]),
        company=rng.choice(["", "", "", "", "Bäckerei Müller GmbH", "Tabac de la Gare", "Café «Le Zinc», SARL"]),
        place=place, zip=place[2].format(rng.randrange(100)), zip_apostrophe=rng.random() < 0.3,
        financial=financial, fulfilment=fulfilment,
        cancelled=financial in ("voided", "refunded") and rng.random() < 0.5,
        shipping=rng.choice([0, 490, 490, 990]), discount=rng.choice([0, 0, 0, 0, 490, 1000]),
        note=rng.choice([""] * 40 + ["Bitte beim Nachbarn abgeben,\nfalls niemand öffnet.", "Llamar antes, por favor"]),
    )
    for _ in range(n_lines):
        product = rng.randrange(len(PRODUCTS))
        colour, size = rng.choice(COLOURS), rng.choice(SIZES)
        order.lines.append(Line(
            sku=f"P{product:02d}-{colour[:2].upper()}-{size}",
            title=f"{PRODUCTS[product]} - {colour} / {size}",
            quantity=rng.choice([1, 1, 1, 2, 2, 3, 4]),
            price=rng.randrange(300, 9000, 10) + rng.choice([0, 0, 5, 9]),
        ))
    # The discount never exceeds what is bought.
    order.discount = min(order.discount, order.subtotal // 2)
    return order


def orders_for_rows(seed, rows):
    """Orders of 1–5 line items until exactly `rows` line items (CSV rows) were produced."""
    rng = Random(seed)
    produced, index = 0, 0
    while produced < rows:
        n_lines = min(rng.randint(1, 5), rows - produced)
        yield make_order(rng, index, n_lines)
        produced += n_lines
        index += 1


# ----------------------------------------------------------------------------------------------
# Shopify orders export: the real column names (same header as examples/inbox/shopify-orders/).

SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,"
    "Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,"
    "Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,"
    "Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,"
    "Refunded Amount,Vendor,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Phone,Receipt Number"
).split(",")
COLUMN = {name: i for i, name in enumerate(SHOPIFY_HEADER)}


def shopify_time(o):
    day, hour, minute, second, _ = o.created
    return f"2026-11-{day:02d} {hour:02d}:{minute:02d}:{second:02d} +0100"


def shopify_rows(o):
    name = f"#{100000 + o.index}"
    line_status = "fulfilled" if o.fulfilment == "fulfilled" else "pending"
    for n, line in enumerate(o.lines):
        row = [""] * len(SHOPIFY_HEADER)

        def put(column, value):
            row[COLUMN[column]] = value

        put("Name", name)
        put("Lineitem quantity", str(line.quantity))
        put("Lineitem name", line.title)
        put("Lineitem price", money(line.price))
        put("Lineitem sku", line.sku)
        put("Lineitem requires shipping", "true")
        put("Lineitem taxable", "true")
        put("Lineitem fulfillment status", line_status)
        put("Lineitem discount", "0.00")
        if n == 0:  # order-level columns only on the first row, as Shopify does
            created = shopify_time(o)
            full = f"{o.first} {o.last}"
            billing = f"{o.last}, {o.first}" if o.index % 7 == 0 else full  # "Müller, Jürgen" needs quotes
            address = f"{o.street}, {o.number}"
            city, province, _, country, currency = o.place
            put("Email", o.email)
            put("Financial Status", o.financial)
            put("Paid at", created if o.financial in ("paid", "partially_refunded") else "")
            put("Fulfillment Status", o.fulfilment)
            put("Accepts Marketing", "no")
            put("Currency", currency)
            put("Subtotal", money(o.subtotal))
            put("Shipping", money(o.shipping))
            put("Taxes", money(o.tax))
            put("Total", money(o.total))
            put("Discount Code", "OTOÑO10" if o.discount else "")
            put("Discount Amount", money(o.discount))
            put("Shipping Method", "Standard")
            put("Created at", created)
            for prefix, who in (("Billing", billing), ("Shipping", full)):
                put(f"{prefix} Name", who)
                put(f"{prefix} Street", address)
                put(f"{prefix} Address1", address)
                put(f"{prefix} City", city)
                put(f"{prefix} Country", country if o.index % 11 else country.lower())  # mapping upper-cases
                put(f"{prefix} Phone", o.phone)
            put("Billing Zip", o.zip)
            put("Shipping Zip", ("'" if o.zip_apostrophe else "") + o.zip)
            put("Shipping Address2", o.line2)
            put("Shipping Company", o.company)
            put("Shipping Province", province)
            put("Notes", o.note)
            put("Cancelled at", created if o.cancelled else "")
            put("Payment Method", "Shopify Payments")
            put("Refunded Amount", money(o.total) if o.financial == "refunded" else "0.00")
            put("Id", str(5000000 + o.index))
            put("Risk Level", "Low")
            put("Source", "web")
            put("Tax 1 Name", "IVA 21%")
            put("Tax 1 Value", money(o.tax))
        yield row


def write_csv(path, seed, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as out:  # utf-8-sig: the BOM Excel wants
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(SHOPIFY_HEADER)
        n = 0
        for order in orders_for_rows(seed, rows):
            for row in shopify_rows(order):
                writer.writerow(row)
                n += 1
    return n


# ----------------------------------------------------------------------------------------------
# Mercado Libre: the elements of /orders/search `results[]`.

ML_STATUS = {"paid": "paid", "pending": "payment_required", "authorized": "payment_in_process",
             "partially_paid": "partially_paid", "refunded": "cancelled",
             "partially_refunded": "partially_refunded", "voided": "invalid"}
ML_PAYMENT = {"paid": "approved", "pending": "pending", "authorized": "in_process", "partially_paid": "approved",
              "refunded": "refunded", "partially_refunded": "approved", "voided": "cancelled"}
ML_CURRENCY = {"EUR": "COP", "DKK": "MXN"}  # Mercado Libre sites trade in Latin-American currencies


def ml_number(cents):
    """A JSON number as Mercado Libre writes it: 19.9, 85000, 33333.33."""
    return int(cents // 100) if cents % 100 == 0 else cents / 100


def ml_order(o, status=None, delivered=None):
    day, hour, minute, second, centis = o.created
    when = f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{centis:02d}0-05:00"
    status = status or ML_STATUS[o.financial]
    if delivered is None:
        delivered = o.fulfilment == "fulfilled"
    currency = ML_CURRENCY[o.currency]
    tags = ["paid"] if status in ("paid", "partially_refunded") else []
    tags.append("delivered" if delivered else "not_delivered")
    total = o.subtotal
    return {
        "id": 2000010000000000 + o.index,
        "date_created": when, "date_closed": when if status == "paid" else None, "last_updated": when,
        "status": status, "status_detail": None,
        "pack_id": 2000004000000000 + o.index if o.index % 9 == 0 else None,
        "order_items": [{
            "item": {"id": f"MCO{1234500000 + hash_sku(l.sku)}", "title": l.title, "category_id": "MCO1623",
                     "variation_id": None, "seller_custom_field": None if o.index % 5 else l.sku,
                     "seller_sku": l.sku},
            "quantity": l.quantity, "unit_price": ml_number(l.price), "full_unit_price": ml_number(l.price),
            "currency_id": currency,
        } for l in o.lines],
        "total_amount": ml_number(total), "paid_amount": ml_number(total) if status == "paid" else 0,
        "currency_id": currency,
        "buyer": {"id": 100000000 + o.index, "nickname": f"{o.first.split()[0].upper()}{o.index}",
                  "first_name": o.first, "last_name": o.last},
        "payments": [{"id": 70000000000 + o.index, "status": ML_PAYMENT[o.financial],
                      "transaction_amount": ml_number(total), "currency_id": currency}],
        "shipping": {"id": 41000000000 + o.index},
        "tags": tags,
    }


def hash_sku(sku):
    return int(hashlib.md5(sku.encode()).hexdigest()[:6], 16) % 100000


def write_ndjson(path, seed, rows):
    n = 0
    with open(path, "w", encoding="utf-8") as out:
        for order in orders_for_rows(seed, rows):
            out.write(json.dumps(ml_order(order), ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            n += 1
    return n


def write_drops(folder, seed, count):
    """One paid, undelivered order per file (every file yields an orders file in the outbox), in the
    /orders/search envelope, pretty-printed like the example."""
    os.makedirs(folder, exist_ok=True)
    rng = Random(seed + 1)
    for i in range(count):
        order = make_order(rng, 500000 + i, rng.randint(1, 3))
        doc = {"query": "", "results": [ml_order(order, status="paid", delivered=False)],
               "paging": {"total": 1, "offset": 0, "limit": 51}}
        with open(os.path.join(folder, f"orders_search_{i:05d}.json"), "w", encoding="utf-8") as out:
            json.dump(doc, out, ensure_ascii=False, indent=2)
    return count


# ----------------------------------------------------------------------------------------------
# Cdiscount GetOrderList SOAP answer: one element per line, no indentation (a serialiser's output is
# usually one long line; a line per element keeps `wc -l` meaningful without costing much).

CD_STATE = {"paid": "WaitingForShipmentAcceptation", "pending": "WaitingForSellerAcceptation",
            "authorized": "PaymentInProgress", "partially_paid": "AcceptedBySeller",
            "refunded": "RefusedBySeller", "partially_refunded": "Shipped", "voided": "CancelledByCustomer"}


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def element(name, value):
    if value is None or value == "":
        return f'<{name} i:nil="true"/>'
    return f"<{name}>{xml_escape(str(value))}</{name}>"


def cdiscount_order(o):
    day, hour, minute, second, centis = o.created
    created = f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}" + (f".{centis}" if centis % 3 else "")
    state = "Shipped" if o.fulfilment == "fulfilled" and o.financial == "paid" else CD_STATE[o.financial]
    letters = "".join(chr(65 + (o.index // 26 ** k) % 26) for k in range(5))
    number = f"2611{day:02d}{hour:02d}{minute:02d}{letters}"
    city, _, _, country, _ = o.place
    parts = ["<Order>", "<ArchiveParcelList>false</ArchiveParcelList>"]
    if o.index % 3:  # some answers leave the billing address out
        parts += ["<BillingAddress>", element("Address1", f"{o.number} {o.street}"), element("Address2", None),
                  element("City", city), element("Civility", "MME"), element("CompanyName", None),
                  element("Country", country), element("FirstName", o.first), element("LastName", o.last),
                  element("ZipCode", o.zip), "</BillingAddress>"]
    parts += [element("CreationDate", created), "<Customer>", element("Civility", "M"),
              element("CustomerId", f"{o.index:010d}"), element("Email", o.email), element("FirstName", o.first),
              element("LastName", o.last), element("MobilePhone", o.phone.replace("+34 ", "0")), "</Customer>",
              element("InitialTotalAmount", money(o.subtotal + o.shipping + 100)),
              element("InitialTotalShippingChargesAmount", money(o.shipping)),
              element("ModifiedDate", created), "<OrderLineList>"]
    # Cdiscount orders are mostly one or two products, plus the processing-fee pseudo-line.
    lines = [(l.title, l.sku, l.quantity, l.price) for l in o.lines[:2]] + [("Frais de traitement", None, 1, 100)]
    for row, (title, sku, quantity, price) in enumerate(lines):
        product_id = "FRAISTRAITEMENT" if sku is None else sku.replace("-", "")
        parts += ["<OrderLine>", element("AcceptationState", "AcceptedBySeller"), element("Name", title),
                  element("ProductEan", None if sku is None else f"3760{abs(hash_sku(sku)):09d}"),
                  element("ProductId", product_id), element("PurchasePrice", money(price)),
                  element("Quantity", quantity), element("RowId", row), element("SellerProductId", sku),
                  element("Sku", product_id), "</OrderLine>"]
    total = sum(q * p for _, _, q, p in lines) + o.shipping
    parts += ["</OrderLineList>", element("OrderNumber", number), element("OrderState", state),
              "<ShippingAddress>", element("Address1", f"{o.number} {o.street}"), element("Address2", o.line2),
              element("City", city), element("CompanyName", o.company), element("Country", country),
              element("FirstName", o.first), element("LastName", o.last), element("ZipCode", o.zip),
              "</ShippingAddress>", element("ShippingCode", "STD"), element("ValidatedTotalAmount", money(total)),
              "</Order>"]
    return "\n".join(parts) + "\n"


XML_HEAD = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
<s:Body>
<GetOrderListResponse xmlns="http://www.cdiscount.com">
<GetOrderListResult xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
<ErrorMessage i:nil="true"/>
<OperationSuccess>true</OperationSuccess>
<ErrorList/>
<SellerLogin>boutique-soleil</SellerLogin>
<TokenId>2f6a0d1c5b8e4e5f9a7b3c2d1e0f9a8b</TokenId>
<OrderList>
"""
XML_TAIL = "</OrderList>\n</GetOrderListResult>\n</GetOrderListResponse>\n</s:Body>\n</s:Envelope>\n"


def write_xml(path, seed, megabytes):
    """Orders until the file reaches `megabytes` × 10^6 bytes."""
    limit = int(megabytes * 1_000_000) - len(XML_TAIL)
    size, n = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        size += out.write(XML_HEAD)
        # An endless order stream: the row count only bounds it, the size stops it.
        for order in orders_for_rows(seed, 10 ** 12):
            text = cdiscount_order(order)
            size += len(text.encode())
            out.write(text)
            n += 1
            if size >= limit:
                break
        out.write(XML_TAIL)
    return n


# ----------------------------------------------------------------------------------------------
# A product feed: Google Merchant Center's RSS 2.0 (the merchant-feed-catalogue route's format), one
# <item> per variant, every id distinct (a catalogue is keyed by it).

AVAILABILITY = [("in_stock", 80), ("out_of_stock", 15), ("discontinued", 5)]
BRANDS = ["Tienda Ejemplo", "Montaña & Mar", "Atelier Soleil", "Nordlys", "Casa Huila"]
CONDITIONS = [("new", 95), ("refurbished", 4), ("used", 1)]

FEED_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">
  <channel>
    <title>Tienda Ejemplo</title>
    <link>https://tienda.example</link>
    <description>Catálogo completo</description>
"""
FEED_TAIL = "  </channel>\n</rss>\n"


def feed_item(rng, index):
    product = rng.choice(PRODUCTS)
    colour, size = rng.choice(COLOURS), rng.choice(SIZES)
    key = f"P{index:07d}-{colour[:2].upper()}-{size}"
    title = f"{product} - {colour} / {size}"
    # Titles with markup characters come as CDATA, as shop exports write them; the rest escaped.
    title_xml = f"<![CDATA[{title}]]>" if '"' in title or "&" in title else xml_escape(title)
    price = rng.randrange(199, 25000)
    brand = xml_escape(rng.choice(BRANDS))
    return (f"    <item>\n"
            f"      <g:id>{key}</g:id>\n"
            f"      <g:title>{title_xml}</g:title>\n"
            f"      <g:description>{xml_escape(product)} en {colour.lower()}, talla {size}. Envío en 24/48 h &amp; devolución gratuita.</g:description>\n"
            f"      <g:link>https://tienda.example/p/{key.lower()}</g:link>\n"
            f"      <g:image_link>https://tienda.example/img/{key.lower()}.jpg</g:image_link>\n"
            f"      <g:price>{money(price)} EUR</g:price>\n"
            f"      <g:availability>{weighted(rng, AVAILABILITY)}</g:availability>\n"
            f"      <g:brand>{brand}</g:brand>\n"
            f"      <g:gtin>84{rng.randrange(10 ** 10, 10 ** 11)}</g:gtin>\n"
            f"      <g:mpn>{key}</g:mpn>\n"
            f"      <g:condition>{weighted(rng, CONDITIONS)}</g:condition>\n"
            f"    </item>\n")


def write_feed(path, seed, megabytes):
    """Products until the file reaches `megabytes` × 10^6 bytes."""
    rng = Random(seed)
    limit = int(megabytes * 1_000_000) - len(FEED_TAIL)
    size, n = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        size += len(FEED_HEAD.encode())
        out.write(FEED_HEAD)
        while size < limit:
            text = feed_item(rng, n)
            size += len(text.encode())
            out.write(text)
            n += 1
        out.write(FEED_TAIL)
    return n


# ----------------------------------------------------------------------------------------------

def up_to_date(out, params):
    """True when `out` exists and was made with exactly these parameters by this very script."""
    try:
        with open(out + ".params") as f:
            stamp = json.load(f)
        stamp.pop("result", None)
        return stamp == params and os.path.exists(out)
    except (OSError, ValueError):
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["csv", "ndjson", "xml", "feed", "drops"])
    parser.add_argument("--rows", type=int)
    parser.add_argument("--mb", type=float)
    parser.add_argument("--count", type=int)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    with open(__file__, "rb") as f:
        script = hashlib.sha256(f.read()).hexdigest()[:16]
    params = {"kind": args.kind, "rows": args.rows, "mb": args.mb, "count": args.count, "seed": args.seed,
              "generator": script}
    if up_to_date(args.out, params):
        with open(args.out + ".params") as f:
            print(json.load(f)["result"])
        return

    # Write under a temporary name, then rename: an interrupted run never leaves a half file that looks done.
    temp = args.out + ".partial"
    if args.kind == "csv":
        n = write_csv(temp, args.seed, args.rows)
    elif args.kind == "ndjson":
        n = write_ndjson(temp, args.seed, args.rows)
    elif args.kind == "xml":
        n = write_xml(temp, args.seed, args.mb)
    elif args.kind == "feed":
        n = write_feed(temp, args.seed, args.mb)
    else:
        if os.path.isdir(temp):
            for name in os.listdir(temp):
                os.unlink(os.path.join(temp, name))
        n = write_drops(temp, args.seed, args.count)
    if os.path.isdir(args.out):
        for name in os.listdir(args.out):
            os.unlink(os.path.join(args.out, name))
        os.rmdir(args.out)
    os.replace(temp, args.out)
    size = (sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
            if os.path.isdir(args.out) else os.path.getsize(args.out))
    params["result"] = f"{n} {size}"
    with open(args.out + ".params", "w") as f:
        json.dump(params, f)
    print(params["result"])


if __name__ == "__main__":
    sys.exit(main())
