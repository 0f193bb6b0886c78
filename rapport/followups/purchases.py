"""Purchases onto customer profiles (FB3, FB7, TR6): CSV files in UTF-8, Windows-1251 or GBK
and the JSON endpoint share one row reader. Each bad row is reported with its number and
reason, the good rows are imported, and a re-run skips what is there (by order id).
See docs/followups.md, "Purchases".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.customers.actions import do_resolve_customer
from rapport.customers.models import Customer
from rapport.lib import csvfiles
from rapport.lib.identities import normalise_identity
from rapport.lib.text import clean_text, truncate

from .actions import do_plan_after_purchase
from .models import Purchase, PurchaseImport, PurchaseSource, RelatedProduct

MAX_ROWS = 50_000

# Column names as shops export them (English, Russian 1C/Excel, Chinese shop back offices).
ALIASES = {
    "external_id": [
        "external_id",
        "order_id",
        "order",
        "order no",
        "номер заказа",
        "заказ",
        "номер",
        "订单号",
        "订单编号",
    ],
    "purchased_at": [
        "purchased_at",
        "date",
        "order date",
        "дата",
        "дата заказа",
        "日期",
        "下单时间",
        "购买日期",
    ],
    "email": ["email", "e-mail", "эл. почта", "почта", "邮箱", "电子邮件"],
    "phone": ["phone", "телефон", "电话", "手机"],
    "name": ["name", "customer", "фио", "имя", "клиент", "покупатель", "姓名", "客户"],
    "product": ["product", "item", "товар", "наименование", "商品", "产品", "商品名称"],
    "sku": ["sku", "product code", "артикул", "货号", "商品编码"],
    "category": ["category", "категория", "类别", "分类"],
    "quantity": ["quantity", "qty", "количество", "кол-во", "数量"],
    "amount": ["amount", "total", "price", "сумма", "стоимость", "金额", "总价"],
    "currency": ["currency", "валюта", "币种"],
}
REQUIRED = ("external_id", "purchased_at", "product")


def _key(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").strip().lower().replace("_", " ").split())


LOOKUP = {_key(alias): field for field, aliases in ALIASES.items() for alias in aliases}


# --- decoding -------------------------------------------------------------------------------


# --- one row --------------------------------------------------------------------------------


@dataclass
class Row:
    external_id: str
    purchased_at: datetime
    product: str
    email: str = ""
    phone: str = ""
    name: str = ""
    sku: str = ""
    category: str = ""
    quantity: Decimal = Decimal(1)
    amount: Decimal | None = None
    currency: str = ""


def parse_date(value: str) -> datetime:
    try:
        parsed = csvfiles.parse_date(value)
    except ValueError:
        raise ValidationError(
            _("bad date %(value)r (use 2025-03-31, 31.03.2025 or 2025/03/31)")
            % {"value": value.strip()}
        ) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)  # the importer's time zone
    return parsed


def parse_number(value: str, what: str) -> Decimal | None:
    value = value.strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    if "," in value and "." not in value:
        value = value.replace(",", ".")  # 1 234,50 (Russian Excel)
    value = value.replace(",", "")  # 1,234.50
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValidationError(
            _("%(what)s is not a number: %(value)r") % {"what": what, "value": value}
        ) from None


def parse_row(fields: dict) -> Row:
    """A row (CSV or JSON) → Row, or ValidationError naming every problem of the row."""
    values = {k: clean_text(str(v if v is not None else "")).strip() for k, v in fields.items()}
    problems = [
        _("%(column)s is missing") % {"column": name} for name in REQUIRED if not values.get(name)
    ]
    if not (values.get("email") or values.get("phone")):
        problems.append(_("an e-mail address or a phone number is needed"))
    row = {}
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            problems.append(_("bad e-mail address %(value)r") % {"value": values["email"]})
    if values.get("phone"):
        try:
            normalise_identity("phone", values["phone"])
        except ValidationError as exc:
            problems.extend(exc.messages)
    if values.get("purchased_at"):
        try:
            row["purchased_at"] = parse_date(values["purchased_at"])
        except ValidationError as exc:
            problems.extend(exc.messages)
    for name, label in (("quantity", _("quantity")), ("amount", _("amount"))):
        try:
            number = parse_number(values.get(name, ""), label)
        except ValidationError as exc:
            problems.extend(exc.messages)
        else:
            if number is not None:
                row[name] = number
    if problems:
        raise ValidationError("; ".join(problems))
    for name in ("external_id", "product", "email", "phone", "name", "sku", "category"):
        row[name] = truncate(values.get(name, ""), 200 if name in ("product", "name") else 100)
    row["currency"] = values.get("currency", "")[:3].upper()
    return Row(**row)


# --- storing ----------------------------------------------------------------------------------


def _customer_for(row: Row) -> Customer:
    if row.email:
        customer, _new = do_resolve_customer("email", row.email, name=row.name)
    else:
        customer, _new = do_resolve_customer("phone", row.phone, name=row.name)
    while customer.merged_into_id:
        customer = customer.merged_into
    return customer


def do_store_purchase(row: Row, *, source: str) -> tuple[Purchase, bool]:
    """(purchase, created). A known order id is not imported twice (re-runs, retries)."""
    existing = Purchase.objects.filter(external_id=row.external_id).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            purchase = Purchase.objects.create(
                customer=_customer_for(row),
                external_id=row.external_id,
                product=row.product,
                sku=row.sku,
                category=row.category,
                quantity=row.quantity,
                amount=row.amount,
                currency=row.currency,
                purchased_at=row.purchased_at,
                source=source,
            )
            do_plan_after_purchase(purchase)  # FB3: a purchase can start a follow-up
    except IntegrityError:  # the same order id posted twice at once: the first one stands
        return Purchase.objects.get(external_id=row.external_id), False
    return purchase, True


def do_import_csv(
    data: bytes, *, filename: str, actor=None, encoding: str = "auto"
) -> PurchaseImport:
    """Import a CSV file; the returned report lists each rejected row with its reason."""
    report = PurchaseImport(filename=filename[:255], created_by=actor, errors=[])
    try:
        text, report.encoding = csvfiles.decode(data, encoding)
    except ValidationError as exc:
        report.encoding = encoding
        report.errors = [{"row": 0, "error": exc.messages[0]}]
        report.save()
        return report
    reader = csv.reader(io.StringIO(text), csvfiles.sniff_dialect(text))
    header = next(reader, None) or []
    columns = [LOOKUP.get(_key(h)) for h in header]
    missing = [name for name in REQUIRED if name not in columns]
    if "email" not in columns and "phone" not in columns:
        missing.append("email/phone")
    if missing:
        report.errors = [
            {
                "row": 1,
                "error": _("Missing columns: %(names)s. Found: %(found)s.")
                % {"names": ", ".join(missing), "found": ", ".join(h.strip() for h in header)},
            }
        ]
        report.save()
        return report
    for number, cells in enumerate(reader, start=2):  # row 1 is the header
        if not any(c.strip() for c in cells):
            continue
        if report.total >= MAX_ROWS:
            report.errors.append(
                {
                    "row": number,
                    "error": _("More than %(n)s rows: the rest was not read.") % {"n": MAX_ROWS},
                }
            )
            break
        report.total += 1
        fields = {col: cell for col, cell in zip(columns, cells, strict=False) if col}
        try:
            row = parse_row(fields)
        except ValidationError as exc:
            report.errors.append({"row": number, "error": "; ".join(exc.messages)})
            continue
        _purchase, created = do_store_purchase(row, source=PurchaseSource.CSV)
        if created:
            report.imported += 1
        else:
            report.duplicates += 1
    report.save()
    return report


def do_import_json(items: list) -> list[dict]:
    """The JSON endpoint: one result per item, in order."""
    results = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            results.append({"index": n, "error": _("each purchase must be an object")})
            continue
        try:
            row = parse_row(item)
        except ValidationError as exc:
            results.append({"index": n, "error": "; ".join(exc.messages)})
            continue
        purchase, created = do_store_purchase(row, source=PurchaseSource.API)
        results.append(
            {
                "index": n,
                "id": purchase.pk,
                "customer": purchase.customer_id,
                "status": "created" if created else "duplicate",
            }
        )
    return results


# --- cross-sell --------------------------------------------------------------------------------


def suggestions_for(customer: Customer, purchases: QuerySet | None = None) -> list[dict]:
    """Related products (FB7) that follow what the customer bought and that they do not have
    yet. For the agent to mention when it helps; nothing is sent."""
    bought = list((purchases or customer.purchases.all()).values_list("sku", "category", "product"))
    if not bought:
        return []
    skus = {s.lower() for s, _c, _p in bought if s}
    categories = {c.lower() for _s, c, _p in bought if c}
    have = skus | {p.lower() for _s, _c, p in bought}
    found: dict[str, dict] = {}
    for rel in RelatedProduct.objects.filter(is_active=True):
        because = None
        if rel.when_sku and rel.when_sku.lower() in skus:
            because = rel.when_sku
        elif rel.when_category and rel.when_category.lower() in categories:
            because = rel.when_category
        if because is None or (rel.sku or rel.product).lower() in have:
            continue
        found.setdefault(
            rel.product,
            {"product": rel.product, "sku": rel.sku, "why": rel.why, "because": because},
        )
    return list(found.values())
